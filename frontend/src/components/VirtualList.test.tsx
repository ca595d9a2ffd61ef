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

  it('renders a row again only when its item or the renderer changes, not with every render of the list', () => {
    const rows = items.slice(0, 3);
    const renderItem = vi.fn((item: (typeof items)[number]) => <p>{item.text}</p>);
    const list = (props: { items: typeof rows; className?: string }) => (
      <VirtualList getKey={(item) => item.id} renderItem={renderItem} estimateHeight={60} {...props} />
    );
    const { rerender } = render(list({ items: rows }));
    renderItem.mockClear();
    rerender(list({ items: rows, className: 'other' }));
    expect(renderItem).not.toHaveBeenCalled();
    const changed = { ...rows[1]!, text: 'edited' };
    rerender(list({ items: [rows[0]!, changed, rows[2]!], className: 'other' }));
    expect(renderItem.mock.calls.map(([item]) => item)).toEqual([changed]);
    expect(screen.getByText('edited')).toBeTruthy();
  });
});
