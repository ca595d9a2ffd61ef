/**
 * The message search dialog: a query box (searching as one types, after a pause), the results
 * grouped by conversation with the matches marked, and a click (or Enter on the active result)
 * opens the conversation at that message. The results are a listbox driven from the input
 * (`aria-activedescendant`): arrows move, Enter opens, Escape closes, and focus goes back to
 * where it was.
 */
import { useCallback, useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { useNavigate } from 'react-router';
import { useAppDispatch, useAppSelector } from '../../app/hooks';
import { Alert } from '../../components/Alert';
import { formatMessageTime } from '../../time/formatTime';
import { openThreadAt } from '../messages/messagesSlice';
import { Highlighted } from './Highlighted';
import { snippet } from './highlight';
import {
  MAX_QUERY_CHARS,
  conversationTitle,
  groupByConversation,
  jumpRequested,
  loadMoreResults,
  resultPath,
  searchCleared,
  searchMessages,
  selectSearch,
} from './searchSlice';
import type { SearchResult } from './types';
import './search.css';

/** Wait after the last keystroke before asking the server. */
export const SEARCH_DEBOUNCE_MS = 300;

export function SearchDialog({ onClose }: { onClose: () => void }) {
  const dispatch = useAppDispatch();
  const navigate = useNavigate();
  const selfId = useAppSelector((state) => state.auth.user?.id ?? null);
  const search = useAppSelector(selectSearch);
  const [text, setText] = useState(search.query);
  const [active, setActive] = useState(0);
  const inputRef = useRef<HTMLInputElement>(null);
  const dialogRef = useRef<HTMLDivElement>(null);
  const ids = useId();
  const titleId = `${ids}-title`;
  const listId = `${ids}-results`;
  const optionId = (index: number) => `${ids}-result-${index}`;

  // Focus the box on open; give focus back to whatever had it on close.
  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    inputRef.current?.focus();
    inputRef.current?.select();
    return () => previous?.focus?.();
  }, []);

  // Search after a pause in typing; a newer query aborts the older request.
  const query = text.trim();
  useEffect(() => {
    if (query === '') {
      dispatch(searchCleared());
      return;
    }
    if (query === search.query && search.status !== 'idle') return;
    let request: { abort: () => void } | null = null;
    const timer = setTimeout(() => {
      request = dispatch(searchMessages({ q: query }));
    }, SEARCH_DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      request?.abort();
    };
    // Only the typed text starts a search.
  }, [query, dispatch]);

  const groups = useMemo(() => groupByConversation(search.results), [search.results]);
  const flat = useMemo(() => groups.flatMap((group) => group.results), [groups]);
  useEffect(() => setActive(0), [search.results]);

  const open = useCallback(
    (result: SearchResult) => {
      const { conversation, message } = result;
      const peerId = conversation.kind === 'direct' ? (conversation.peer?.id ?? null) : null;
      dispatch(
        jumpRequested({ conversationId: conversation.id, peerId, messageId: message.id, seq: message.seq }),
      );
      // Threads are keyed by the other person, a group's by its conversation id.
      const threadKey = conversation.kind === 'group' ? conversation.id : peerId;
      if (threadKey) {
        void dispatch(openThreadAt({ peerId: threadKey, conversationId: conversation.id, seq: message.seq }));
      }
      onClose();
      void navigate(resultPath(result));
    },
    [dispatch, navigate, onClose],
  );

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      onClose();
    } else if (event.key === 'ArrowDown' && flat.length > 0) {
      event.preventDefault();
      setActive((index) => Math.min(flat.length - 1, index + 1));
    } else if (event.key === 'ArrowUp' && flat.length > 0) {
      event.preventDefault();
      setActive((index) => Math.max(0, index - 1));
    } else if (event.key === 'Enter' && event.target === inputRef.current) {
      const result = flat[active];
      if (result) {
        event.preventDefault();
        open(result);
      }
    } else if (event.key === 'Tab') {
      // Keep focus inside the dialog.
      const focusable = dialogRef.current?.querySelectorAll<HTMLElement>('input, button:not([disabled])');
      if (!focusable || focusable.length === 0) return;
      const first = focusable[0] as HTMLElement;
      const last = focusable[focusable.length - 1] as HTMLElement;
      if (event.shiftKey && document.activeElement === first) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && document.activeElement === last) {
        event.preventDefault();
        first.focus();
      }
    }
  };

  // Keep the active result in view.
  useEffect(() => {
    document.getElementById(optionId(active))?.scrollIntoView?.({ block: 'nearest' });
  }, [active]);

  const senderLabel = (result: SearchResult) => {
    if (result.message.senderId === selfId) return 'You';
    return result.conversation.kind === 'direct' ? (result.conversation.peer?.username ?? '') : '';
  };

  const waiting = query !== '' && (search.status === 'loading' || query !== search.query);
  const showResults = query !== '' && query === search.query && search.status === 'ready';
  let index = -1;

  return (
    <div
      className="search-overlay"
      onMouseDown={(event) => {
        if (event.target === event.currentTarget) onClose();
      }}
    >
      <div
        ref={dialogRef}
        className="search-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        onKeyDown={onKeyDown}
      >
        <div className="search-dialog__header">
          <h2 id={titleId} className="search-dialog__title">
            Search messages
          </h2>
          <button type="button" className="button button--ghost" onClick={onClose}>
            Close
          </button>
        </div>
        <input
          ref={inputRef}
          type="search"
          className="field__input search-dialog__input"
          placeholder='Words, "a phrase", -without, from:name'
          aria-label="Search messages"
          role="combobox"
          aria-expanded={showResults && flat.length > 0}
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={showResults && flat[active] ? optionId(active) : undefined}
          autoComplete="off"
          spellCheck={false}
          maxLength={MAX_QUERY_CHARS}
          value={text}
          onChange={(event) => setText(event.target.value)}
        />
        <div className="search-dialog__body">
          {query === '' && (
            <p className="search-dialog__hint muted">
              Find messages in your conversations. Every word must match; the last one may be the
              start of a word. Use quotes for a phrase, a minus to leave a word out, and from:name
              for one sender.
            </p>
          )}
          {waiting && (
            <p className="search-dialog__status" role="status">
              Searching…
            </p>
          )}
          {search.status === 'failed' && query === search.query && (
            <Alert tone="error">
              {search.error?.fields?.q ?? search.error?.message ?? 'The search failed.'}{' '}
              <button type="button" className="link-button" onClick={() => void dispatch(searchMessages({ q: query }))}>
                Try again
              </button>
            </Alert>
          )}
          {showResults && flat.length === 0 && (
            <p className="search-dialog__status" role="status">
              No messages match “{query}”.
            </p>
          )}
          <ul id={listId} role="listbox" aria-label="Results" className="search-results" hidden={!showResults || flat.length === 0}>
            {showResults &&
              groups.map((group) => {
                const groupId = `${ids}-group-${group.conversation.id}`;
                return (
                  <li key={group.conversation.id} role="presentation" className="search-results__group">
                    <div id={groupId} className="search-results__title" role="presentation">
                      {conversationTitle(group.conversation)}
                    </div>
                    <ul role="group" aria-labelledby={groupId} className="search-results__list">
                      {group.results.map((result) => {
                        index += 1;
                        const at = index;
                        const cut = snippet(result.message.content, result.highlights);
                        const sender = senderLabel(result);
                        return (
                          <li
                            key={result.message.id}
                            id={optionId(at)}
                            role="option"
                            aria-selected={at === active}
                            className={`search-result${at === active ? ' search-result--active' : ''}`}
                            data-testid="search-result"
                            onMouseEnter={() => setActive(at)}
                            onClick={() => open(result)}
                          >
                            <span className="search-result__meta">
                              {sender && <span className="search-result__sender">{sender}</span>}
                              <time dateTime={result.message.createdAt}>
                                {formatMessageTime(result.message.createdAt).short}
                              </time>
                            </span>
                            <span className="search-result__text">
                              {cut.clippedStart && '…'}
                              <Highlighted text={cut.text} highlights={cut.highlights} />
                              {cut.clippedEnd && '…'}
                            </span>
                          </li>
                        );
                      })}
                    </ul>
                  </li>
                );
              })}
          </ul>
          {showResults && search.nextCursor && (
            <button
              type="button"
              className="button button--block"
              disabled={search.loadingMore}
              onClick={() => void dispatch(loadMoreResults())}
            >
              {search.loadingMore ? 'Loading…' : 'More results'}
            </button>
          )}
        </div>
      </div>
    </div>
  );
}
