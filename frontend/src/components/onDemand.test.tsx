import { render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { onDemand } from './onDemand';

function Panel({ text }: { text: string; onClose?: () => void }) {
  return <p>{text}</p>;
}

describe('onDemand', () => {
  it('renders nothing until the code is there, then the component with its props', async () => {
    let loaded: (component: typeof Panel) => void = () => {};
    const load = vi.fn(() => new Promise<typeof Panel>((resolve) => (loaded = resolve)));
    const LazyPanel = onDemand(load);
    const { container } = render(<LazyPanel text="hello" />);
    expect(container.textContent).toBe('');
    loaded(Panel);
    expect(await screen.findByText('hello')).toBeTruthy();
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('closes a part whose code cannot be loaded, and tries again the next time it opens', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const load = vi.fn().mockRejectedValueOnce(new Error('offline')).mockResolvedValue(Panel);
    const LazyPanel = onDemand<{ text: string; onClose?: () => void }>(load);
    const onClose = vi.fn();
    const { container, unmount } = render(<LazyPanel text="hello" onClose={onClose} />);
    await waitFor(() => expect(onClose).toHaveBeenCalledTimes(1));
    expect(container.textContent).toBe('');
    unmount();
    render(<LazyPanel text="again" onClose={onClose} />);
    expect(await screen.findByText('again')).toBeTruthy();
    expect(load).toHaveBeenCalledTimes(2);
  });
});
