import { render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { VirtualList } from './VirtualList';

const items = Array.from({ length: 10_000 }, (_, i) => ({ id: `m${i}`, text: `message ${i}` }));

describe('VirtualList', () => {
  it('renders only a window of a very long list', () => {
    const { container } = render(
      <VirtualList
        role="log"
        aria-label="Messages"
        items={items}
        getKey={(item) => item.id}
        renderItem={(item) => <p>{item.text}</p>}
        estimateHeight={60}
      />,
    );
    const rows = container.querySelectorAll('.virtual-list__row');
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(100);
    expect(screen.getByRole('log', { name: 'Messages' })).toBeTruthy();
  });

  it('reports the visible rows', () => {
    const onVisible = vi.fn();
    render(
      <VirtualList
        items={items.slice(0, 5)}
        getKey={(item) => item.id}
        renderItem={(item) => <p>{item.text}</p>}
        estimateHeight={60}
        onVisibleRangeChange={onVisible}
      />,
    );
    expect(onVisible).toHaveBeenLastCalledWith(0, 4);
  });
});
