/**
 * A single-select listbox (WAI-ARIA pattern with `aria-activedescendant`): Tab reaches the list
 * once, arrows / Home / End move the active option, Enter or Space chooses it, a click chooses
 * too. Used for the conversation list and the people directory, where choosing opens a chat.
 */
import { useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';

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
  className?: string;
}

export function Listbox<T>({
  id,
  label,
  items,
  getKey,
  selectedKey,
  onChoose,
  renderOption,
  optionProps,
  className,
}: ListboxProps<T>) {
  const listRef = useRef<HTMLUListElement>(null);
  const [activeKey, setActiveKey] = useState<string | null>(selectedKey);
  const keys = items.map(getKey);
  const activeIndex = activeKey === null ? -1 : keys.indexOf(activeKey);
  const optionId = (key: string) => `${id}-option-${key}`;

  useEffect(() => {
    if (selectedKey !== null) setActiveKey(selectedKey);
  }, [selectedKey]);

  // Keep the active option in view while moving with the keyboard.
  useEffect(() => {
    if (activeKey === null) return;
    const option = document.getElementById(optionId(activeKey));
    if (option && typeof option.scrollIntoView === 'function') option.scrollIntoView({ block: 'nearest' });
    // optionId only depends on `id`, which does not change.
  }, [activeKey]);

  const move = (index: number) => {
    const key = keys[Math.max(0, Math.min(keys.length - 1, index))];
    if (key !== undefined) setActiveKey(key);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLUListElement>) => {
    if (keys.length === 0) return;
    switch (event.key) {
      case 'ArrowDown':
        move(activeIndex < 0 ? 0 : activeIndex + 1);
        break;
      case 'ArrowUp':
        move(activeIndex < 0 ? 0 : activeIndex - 1);
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

  return (
    <ul
      ref={listRef}
      role="listbox"
      aria-label={label}
      tabIndex={0}
      className={className ? `listbox ${className}` : 'listbox'}
      aria-activedescendant={activeIndex >= 0 && activeKey !== null ? optionId(activeKey) : undefined}
      onKeyDown={onKeyDown}
      onFocus={() => {
        if (activeIndex < 0) move(Math.max(0, selectedKey === null ? 0 : keys.indexOf(selectedKey)));
      }}
    >
      {items.map((item) => {
        const key = getKey(item);
        const selected = key === selectedKey;
        const active = key === activeKey;
        return (
          <li
            key={key}
            id={optionId(key)}
            role="option"
            aria-selected={selected}
            className={`listbox__option${selected ? ' listbox__option--selected' : ''}${active ? ' listbox__option--active' : ''}`}
            onClick={() => {
              setActiveKey(key);
              onChoose(item);
            }}
            {...optionProps?.(item)}
          >
            {renderOption(item, { selected, active })}
          </li>
        );
      })}
    </ul>
  );
}
