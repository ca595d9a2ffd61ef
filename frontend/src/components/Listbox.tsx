/**
 * A single-select listbox (WAI-ARIA pattern with `aria-activedescendant`): Tab reaches the list
 * once, arrows / Home / End / Page Up / Page Down move the active option, Enter or Space
 * chooses it, a click chooses too. Used for the conversation list and the people directory,
 * where choosing opens a chat.
 *
 * Long lists stay cheap: the options are rendered windowed (`VirtualList`, rows of a fixed
 * height), each saying its place in the whole (`aria-posinset` / `aria-setsize`). Moving the
 * active option scrolls it into view; `aria-activedescendant` names it only while it is in the
 * DOM.
 *
 * `getKey`, `onChoose`, `optionProps` and `renderOption` should be stable (defined outside the
 * caller, or `useCallback`): each row renders again whenever one of them is a new function.
 */
import { useCallback, useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { VirtualList } from './VirtualList';

export interface ListboxProps<T> {
  /** Prefix for option element ids; must be unique on the page. */
  id: string;
  label: string;
  items: readonly T[];
  getKey: (item: T) => string;
  /** The key of the chosen item (the open chat), if any. */
  selectedKey: string | null;
  onChoose: (item: T) => void;
  renderOption: (item: T, state: { selected: boolean; active: boolean }) => ReactNode;
  /** Extra attributes per option (test hooks, data-*). */
  optionProps?: (item: T) => Record<string, string>;
  /** Each option's height in pixels (the stylesheet gives the options this height). */
  optionHeight: number;
  className?: string;
}

/** The element id of the option of `key` in the list `listId`. */
const optionId = (listId: string, key: string) => `${listId}-option-${key}`;

/** How many options Page Up / Page Down move. */
const PAGE_OPTIONS = 8;

export function Listbox<T>({
  id,
  label,
  items,
  getKey,
  selectedKey,
  onChoose,
  renderOption,
  optionProps,
  optionHeight,
  className,
}: ListboxProps<T>) {
  const [activeKey, setActiveKey] = useState<string | null>(selectedKey);
  // The rows in the DOM: kept in a ref, and a re-render asked for only while an option is active
  // (scrolling a list nobody is using the keyboard on re-renders nothing for it).
  const rendered = useRef({ first: -1, last: -1 });
  const [, setRenderedVersion] = useState(0);
  const keys = items.map(getKey);
  const activeIndex = activeKey === null ? -1 : keys.indexOf(activeKey);
  const activeInDom = activeIndex >= 0 && activeIndex >= rendered.current.first && activeIndex <= rendered.current.last;

  useEffect(() => {
    if (selectedKey !== null) setActiveKey(selectedKey);
  }, [selectedKey]);

  const hasActive = activeKey !== null;
  const onRenderedRangeChange = useCallback(
    (first: number, last: number) => {
      rendered.current = { first, last };
      if (hasActive) setRenderedVersion((version) => version + 1);
    },
    [hasActive],
  );

  const move = (index: number) => {
    const key = keys[Math.max(0, Math.min(keys.length - 1, index))];
    if (key !== undefined) setActiveKey(key);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (keys.length === 0) return;
    switch (event.key) {
      case 'ArrowDown':
        move(activeIndex < 0 ? 0 : activeIndex + 1);
        break;
      case 'ArrowUp':
        move(activeIndex < 0 ? 0 : activeIndex - 1);
        break;
      case 'PageDown':
        move(activeIndex < 0 ? 0 : activeIndex + PAGE_OPTIONS);
        break;
      case 'PageUp':
        move(activeIndex < 0 ? 0 : activeIndex - PAGE_OPTIONS);
        break;
      case 'Home':
        move(0);
        break;
      case 'End':
        move(keys.length - 1);
        break;
      case 'Enter':
      case ' ': {
        const item = activeIndex >= 0 ? items[activeIndex] : undefined;
        if (item !== undefined) onChoose(item);
        break;
      }
      default:
        return;
    }
    event.preventDefault();
  };

  // Stable while the list's items' count, the selection, the active option and the callers'
  // functions stay the same, so a render of the list (a new page of items, a scroll step) renders
  // only the rows whose item changed (see `VirtualList`).
  const setSize = items.length;
  const renderItem = useCallback(
    (item: T, index: number) => {
      const key = getKey(item);
      const selected = key === selectedKey;
      const active = key === activeKey;
      return (
        <div
          id={optionId(id, key)}
          role="option"
          aria-selected={selected}
          aria-posinset={index + 1}
          aria-setsize={setSize}
          className={`listbox__option${selected ? ' listbox__option--selected' : ''}${active ? ' listbox__option--active' : ''}`}
          onClick={() => {
            setActiveKey(key);
            onChoose(item);
          }}
          {...optionProps?.(item)}
        >
          {renderOption(item, { selected, active })}
        </div>
      );
    },
    [id, setSize, selectedKey, activeKey, getKey, onChoose, optionProps, renderOption],
  );

  return (
    <VirtualList
      role="listbox"
      aria-label={label}
      tabIndex={0}
      className={className ? `listbox ${className}` : 'listbox'}
      aria-activedescendant={activeInDom && activeKey !== null ? optionId(id, activeKey) : undefined}
      onKeyDown={onKeyDown}
      onFocus={() => {
        if (activeIndex < 0) move(Math.max(0, selectedKey === null ? 0 : keys.indexOf(selectedKey)));
      }}
      items={items}
      getKey={getKey}
      renderItem={renderItem}
      estimateHeight={optionHeight}
      measureRows={false}
      overscanPx={optionHeight * 6}
      followEnd={false}
      revealKey={activeKey}
      onRenderedRangeChange={onRenderedRangeChange}
    />
  );
}
