import { useCallback, useEffect, useState } from 'react';
import { onDemand } from '../../components/onDemand';
import './search.css';

const SearchDialog = onDemand(() => import('./SearchDialog').then((module) => module.SearchDialog));

/** Whether a key press is the search shortcut: Ctrl+K, or Cmd+K on a Mac. */
export function isSearchShortcut(event: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey'>) {
  return (event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey && event.key.toLowerCase() === 'k';
}

/** The header's search button, the Ctrl/Cmd+K shortcut anywhere in the app, and the dialog. */
export function SearchLauncher() {
  const [open, setOpen] = useState(false);
  const close = useCallback(() => setOpen(false), []);

  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (!isSearchShortcut(event)) return;
      event.preventDefault();
      setOpen(true);
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);

  return (
    <>
      <button
        type="button"
        className="button button--ghost search-launcher"
        aria-haspopup="dialog"
        aria-keyshortcuts="Control+K Meta+K"
        onClick={() => setOpen(true)}
      >
        Search
        <kbd className="search-launcher__kbd" aria-hidden="true">
          Ctrl K
        </kbd>
      </button>
      {open && <SearchDialog onClose={close} />}
    </>
  );
}
