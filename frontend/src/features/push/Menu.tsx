/**
 * A menu button (WAI-ARIA APG "menu button"): the button opens a `role="menu"` list and moves
 * focus into it; Arrow keys, Home and End move between items, Enter or a click chooses,
 * Escape (or Tab, or a click outside) closes and gives focus back to the button.
 */
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import './push.css';

export interface MenuItem {
  key: string;
  label: string;
  onSelect?: () => void;
  /** Shown but not choosable (a status line). */
  disabled?: boolean;
}

export interface MenuButtonProps {
  /** The button's accessible name. */
  label: string;
  /** What the button shows (an icon, a word). */
  children: ReactNode;
  items: readonly MenuItem[];
  /** A sentence under the items, read as the menu's description. */
  note?: string | null;
  className?: string;
  testId?: string;
}

export function MenuButton({ label, children, items, note, className, testId }: MenuButtonProps) {
  const [open, setOpen] = useState(false);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuRef = useRef<HTMLUListElement>(null);
  const wrapperRef = useRef<HTMLDivElement>(null);
  const menuId = useId();
  const noteId = useId();

  const menuItems = () => Array.from(menuRef.current?.querySelectorAll<HTMLButtonElement>('[role="menuitem"]') ?? []);

  // Focus goes to the first item on opening, and again when the items change under it (a
  // status that settles while the menu is open).
  const itemKeys = items.map((item) => item.key).join(' ');
  useEffect(() => {
    if (open && !menuRef.current?.contains(document.activeElement)) menuItems()[0]?.focus();
  }, [open, itemKeys]);

  useEffect(() => {
    if (!open) return;
    const onPointerDown = (event: PointerEvent) => {
      if (!wrapperRef.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', onPointerDown);
    return () => document.removeEventListener('pointerdown', onPointerDown);
  }, [open]);

  const close = () => {
    setOpen(false);
    buttonRef.current?.focus();
  };

  const moveFocus = (to: (index: number, count: number) => number) => {
    const all = menuItems();
    if (all.length === 0) return;
    const current = all.indexOf(document.activeElement as HTMLButtonElement);
    all[to(current, all.length)]?.focus();
  };

  return (
    <div ref={wrapperRef} className={`menu ${className ?? ''}`}>
      <button
        ref={buttonRef}
        type="button"
        className="button button--ghost menu__button"
        aria-label={label}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        data-testid={testId}
        onClick={() => setOpen((value) => !value)}
        onKeyDown={(event) => {
          if (event.key === 'ArrowDown' && !open) {
            event.preventDefault();
            setOpen(true);
          }
        }}
      >
        {children}
      </button>
      {open && (
        <div className="menu__popup">
          <ul
            ref={menuRef}
            id={menuId}
            role="menu"
            aria-label={label}
            aria-describedby={note ? noteId : undefined}
            className="menu__list"
            onKeyDown={(event) => {
              switch (event.key) {
                case 'Escape':
                  event.preventDefault();
                  event.stopPropagation();
                  close();
                  break;
                case 'Tab':
                  setOpen(false);
                  break;
                case 'ArrowDown':
                  event.preventDefault();
                  moveFocus((i, n) => (i + 1) % n);
                  break;
                case 'ArrowUp':
                  event.preventDefault();
                  moveFocus((i, n) => (i - 1 + n) % n);
                  break;
                case 'Home':
                  event.preventDefault();
                  moveFocus(() => 0);
                  break;
                case 'End':
                  event.preventDefault();
                  moveFocus((_, n) => n - 1);
                  break;
              }
            }}
          >
            {items.map((item) => (
              <li key={item.key} role="none">
                <button
                  type="button"
                  role="menuitem"
                  tabIndex={-1}
                  className="menu__item"
                  aria-disabled={item.disabled || !item.onSelect ? true : undefined}
                  onClick={() => {
                    if (item.disabled || !item.onSelect) return;
                    item.onSelect();
                    close();
                  }}
                >
                  {item.label}
                </button>
              </li>
            ))}
          </ul>
          {note && (
            <p id={noteId} className="menu__note">
              {note}
            </p>
          )}
        </div>
      )}
    </div>
  );
}
