/**
 * A windowed list for long content (chat history, the directory, the conversation list): only
 * the rows in and near the viewport are in the DOM; the rest is two spacers. Heights are
 * measured after render (and on resize) and remembered by key, so prepending older rows or a
 * late re-wrap never shifts what the reader is looking at:
 *
 * - stuck to the bottom (`followEnd`, and the reader is at the end): every change keeps the end
 *   in view, as a chat does;
 * - otherwise: the first visible row (the anchor) keeps its distance from the viewport's top.
 *
 * The wrappers between the list element and the rows have no role (`role="none"`), so a list
 * given `role="listbox"` owns the `option`s rendered into it directly.
 *
 * Sizes are applied through React's `style` prop (CSSOM), which a strict `style-src 'self'` CSP
 * allows; nothing injects `<style>` elements.
 */
import {
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type HTMLAttributes,
  type ReactElement,
  type ReactNode,
} from 'react';

export interface VirtualListProps<T> extends Omit<HTMLAttributes<HTMLDivElement>, 'onScroll' | 'children'> {
  items: readonly T[];
  getKey: (item: T) => string;
  /** A row's content. Keep it stable (`useCallback`, or defined outside the component): a row is
   *  rendered again only when its item, its index or this function changes, so a new function
   *  on every render renders every row again. */
  renderItem: (item: T, index: number) => ReactNode;
  /** Height assumed for a row not measured yet (the exact height when `measureRows` is false). */
  estimateHeight: number;
  /** Measure rendered rows (variable heights). False for rows of one fixed height: measuring
   *  reads layout after every render, which costs a forced layout of the page each time. */
  measureRows?: boolean;
  /** Extra pixels rendered above and below the viewport. */
  overscanPx?: number;
  /** Called while the reader is within `nearTopPx` of the top (load older rows). */
  onNearTop?: () => void;
  nearTopPx?: number;
  /** The rows at least partly in view, by index (inclusive); -1s when there are none. */
  onVisibleRangeChange?: (first: number, last: number) => void;
  onAtBottomChange?: (atBottom: boolean) => void;
  /** Bump to jump to the end and stick there (after the user sends, say). */
  scrollToBottomSignal?: number;
  /** Start at the end and stay there while the reader is (a chat); false: start at the top. */
  followEnd?: boolean;
  /** When this changes to a row's key, scroll just enough to show that row (keyboard focus). */
  revealKey?: string | null;
  /** The rows in the DOM, by index (inclusive; overscan included); -1s when there are none. */
  onRenderedRangeChange?: (first: number, last: number) => void;
}

/** How close to the end counts as "at the bottom". */
const BOTTOM_SLACK_PX = 32;
/** Viewport height assumed before it can be measured (jsdom, first render). */
const FALLBACK_VIEWPORT_PX = 800;

/** A rendered row's element and what it was made from (see the rows' loop below). */
interface RowElement<T> {
  item: T;
  index: number;
  renderItem: (item: T, index: number) => ReactNode;
  element: ReactElement;
}

/** The largest index i with offsets[i] <= y (offsets ascending, offsets[0] = 0). */
function indexAt(offsets: Float64Array, count: number, y: number): number {
  let low = 0;
  let high = count - 1;
  if (high < 0) return 0;
  while (low < high) {
    const middle = (low + high + 1) >>> 1;
    if ((offsets[middle] ?? 0) <= y) low = middle;
    else high = middle - 1;
  }
  return low;
}

export function VirtualList<T>({
  items,
  getKey,
  renderItem,
  estimateHeight,
  measureRows = true,
  overscanPx = 600,
  onNearTop,
  nearTopPx = 300,
  onVisibleRangeChange,
  onAtBottomChange,
  scrollToBottomSignal = 0,
  followEnd = true,
  revealKey = null,
  onRenderedRangeChange,
  className,
  ...rest
}: VirtualListProps<T>) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const rowsRef = useRef<HTMLDivElement>(null);
  const heights = useRef(new Map<string, number>());
  const [measured, setMeasured] = useState(0);
  const [viewport, setViewport] = useState({ top: 0, height: 0 });
  const stuckToBottom = useRef(followEnd);
  const anchor = useRef<{ key: string; delta: number } | null>(null);
  const lastAtBottom = useRef<boolean | null>(null);
  const rowElements = useRef(new Map<string, RowElement<T>>());

  const keys = useMemo(() => items.map(getKey), [items, getKey]);

  const layout = useMemo(() => {
    const count = keys.length;
    const offsets = new Float64Array(count + 1);
    const indexByKey = new Map<string, number>();
    for (let i = 0; i < count; i += 1) {
      const key = keys[i] as string;
      indexByKey.set(key, i);
      offsets[i + 1] = (offsets[i] ?? 0) + (heights.current.get(key) ?? estimateHeight);
    }
    return { offsets, indexByKey, total: offsets[count] ?? 0, count };
    // `measured` is a dependency on purpose: it changes whenever `heights` does.
  }, [keys, estimateHeight, measured]);

  const viewportHeight = viewport.height || FALLBACK_VIEWPORT_PX;
  // While stuck to the end, the window is the end's even before the scroll position catches up
  // (a chat's first page would otherwise mount the top rows, then the bottom ones).
  const windowTop = stuckToBottom.current ? Math.max(0, layout.total - viewportHeight) : viewport.top;
  const first = layout.count === 0 ? 0 : indexAt(layout.offsets, layout.count, windowTop - overscanPx);
  const last =
    layout.count === 0 ? -1 : indexAt(layout.offsets, layout.count, windowTop + viewportHeight + overscanPx);
  const topSpace = layout.offsets[first] ?? 0;
  const bottomSpace = layout.total - (layout.offsets[last + 1] ?? layout.total);

  const rememberAnchor = useCallback(
    (scrollTop: number) => {
      if (layout.count === 0) {
        anchor.current = null;
        return;
      }
      const index = indexAt(layout.offsets, layout.count, scrollTop);
      anchor.current = { key: keys[index] as string, delta: (layout.offsets[index] ?? 0) - scrollTop };
    },
    [keys, layout],
  );

  const reportAtBottom = useCallback(
    (atBottom: boolean) => {
      if (lastAtBottom.current === atBottom) return;
      lastAtBottom.current = atBottom;
      onAtBottomChange?.(atBottom);
    },
    [onAtBottomChange],
  );

  const handleScroll = () => {
    const element = scrollRef.current;
    if (!element) return;
    const atBottom = element.scrollHeight - element.scrollTop - element.clientHeight <= BOTTOM_SLACK_PX;
    stuckToBottom.current = followEnd && atBottom;
    reportAtBottom(atBottom);
    rememberAnchor(element.scrollTop);
    setViewport({ top: element.scrollTop, height: element.clientHeight });
    if (element.scrollTop <= nearTopPx) onNearTop?.();
  };

  // Measure the rendered rows; a changed height re-computes the layout. Reading a height forces
  // a layout, so only rows not measured yet are read, unless the ResizeObserver saw something
  // change size (a window resize, fonts, a row whose content grew): then every rendered row.
  const measureAll = useRef(true);
  useLayoutEffect(() => {
    const rows = rowsRef.current;
    if (!rows || !measureRows) return;
    const all = measureAll.current;
    measureAll.current = false;
    let changed = false;
    for (const child of Array.from(rows.children)) {
      const key = (child as HTMLElement).dataset.key;
      if (key === undefined || (!all && heights.current.has(key))) continue;
      const height = (child as HTMLElement).offsetHeight;
      if (height === 0) continue;
      if (heights.current.get(key) !== height) {
        heights.current.set(key, height);
        changed = true;
      }
    }
    if (changed) setMeasured((version) => version + 1);
  });

  // Keep the end in view, or keep the anchor row where it was. With neither (a list at its top
  // that nobody scrolled yet), or with no rows to place (a chat whose history is loading, which
  // mounts with the page), there is nothing to do and nothing is read: reading scroll sizes
  // forces a layout in the middle of the commit's task (of the whole page, when it mounts with
  // it); the ResizeObserver reports the size after the browser's own layout.
  useLayoutEffect(() => {
    const element = scrollRef.current;
    if (!element || layout.count === 0 || (!stuckToBottom.current && !anchor.current)) return;
    if (stuckToBottom.current) {
      const bottom = element.scrollHeight - element.clientHeight;
      if (Math.abs(element.scrollTop - bottom) > 1) element.scrollTop = bottom;
    } else if (anchor.current) {
      const index = layout.indexByKey.get(anchor.current.key);
      if (index !== undefined) {
        const wanted = (layout.offsets[index] ?? 0) - anchor.current.delta;
        if (Math.abs(element.scrollTop - wanted) > 1) element.scrollTop = wanted;
      }
    }
    if (element.clientHeight !== viewport.height || Math.abs(element.scrollTop - viewport.top) > 1) {
      setViewport({ top: element.scrollTop, height: element.clientHeight });
    }
    if (element.scrollTop <= nearTopPx && layout.count > 0) onNearTop?.();
  }, [layout, viewport, nearTopPx, onNearTop]);

  // Show the row of `revealKey` when it changes, or when its row first appears (only then: a
  // mouse user scrolling away from the active option is not pulled back).
  const revealPresent = revealKey !== null && layout.indexByKey.has(revealKey);
  useLayoutEffect(() => {
    const element = scrollRef.current;
    if (revealKey === null || !element) return;
    const index = layout.indexByKey.get(revealKey);
    if (index === undefined) return;
    const top = layout.offsets[index] ?? 0;
    const bottom = layout.offsets[index + 1] ?? top;
    let wanted = element.scrollTop;
    if (top < element.scrollTop) wanted = top;
    else if (bottom > element.scrollTop + element.clientHeight) wanted = bottom - element.clientHeight;
    if (wanted === element.scrollTop) return;
    element.scrollTop = wanted;
    stuckToBottom.current = false;
    rememberAnchor(element.scrollTop);
    setViewport({ top: element.scrollTop, height: element.clientHeight });
    // Deliberately not on every layout change: see above.
  }, [revealKey, revealPresent]);

  useLayoutEffect(() => {
    if (scrollToBottomSignal === 0) return;
    const element = scrollRef.current;
    if (!element) return;
    stuckToBottom.current = true;
    element.scrollTop = element.scrollHeight - element.clientHeight;
    setViewport({ top: element.scrollTop, height: element.clientHeight });
  }, [scrollToBottomSignal]);

  // Re-measure when the list or a row changes size without a render (window resize, fonts).
  useEffect(() => {
    if (typeof ResizeObserver === 'undefined') return;
    const element = scrollRef.current;
    const rows = rowsRef.current;
    if (!element || !rows) return;
    const observer = new ResizeObserver(() => {
      measureAll.current = true;
      setViewport({ top: element.scrollTop, height: element.clientHeight });
      setMeasured((version) => version + 1);
    });
    observer.observe(element);
    observer.observe(rows);
    return () => observer.disconnect();
  }, []);

  // The rows actually in view (no overscan), for read marks.
  const visibleFirst = layout.count === 0 ? -1 : indexAt(layout.offsets, layout.count, windowTop);
  const visibleLast =
    layout.count === 0 ? -1 : indexAt(layout.offsets, layout.count, windowTop + viewportHeight - 1);
  useEffect(() => {
    onVisibleRangeChange?.(visibleFirst, visibleLast);
  }, [visibleFirst, visibleLast, onVisibleRangeChange]);

  useEffect(() => {
    onRenderedRangeChange?.(layout.count === 0 ? -1 : first, last);
  }, [first, last, layout.count, onRenderedRangeChange]);

  useEffect(() => {
    reportAtBottom(stuckToBottom.current);
  }, [reportAtBottom]);

  // A row whose item, index and renderer are those of the previous render gets the element it
  // got then, and React skips an element it has already rendered (the same object as props):
  // the list renders again on every scroll step and after every measurement, and only the rows
  // that changed or came into the window run `renderItem`, with no component per row for it (a
  // memoised row component would be one more component to mount and walk for every row).
  // Only a cache is written during the render: an element from a render React threw away holds
  // the same content as a new one would, since its item, index and renderer are the same.
  const previousRows = rowElements.current;
  const nextRows = new Map<string, RowElement<T>>();
  const rows: ReactElement[] = [];
  for (let index = first; index <= last; index += 1) {
    const item = items[index] as T;
    const key = keys[index] as string;
    const cached = previousRows.get(key);
    const row =
      cached && cached.item === item && cached.index === index && cached.renderItem === renderItem
        ? cached
        : {
            item,
            index,
            renderItem,
            element: (
              <div key={key} data-key={key} className="virtual-list__row" role="none">
                {renderItem(item, index)}
              </div>
            ),
          };
    nextRows.set(key, row);
    rows.push(row.element);
  }
  rowElements.current = nextRows;

  return (
    <div ref={scrollRef} className={className ? `virtual-list ${className}` : 'virtual-list'} onScroll={handleScroll} {...rest}>
      <div style={{ height: topSpace }} aria-hidden="true" />
      <div ref={rowsRef} role="none">
        {rows}
      </div>
      <div style={{ height: bottomSpace }} aria-hidden="true" />
    </div>
  );
}
