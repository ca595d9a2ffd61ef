import { memo, useId, useState } from 'react';
import { shallowEqual } from 'react-redux';
import { useAppSelector } from '../../app/hooks';
import { joinNames } from './systemText';
import { membersAtOrPast, selectGroupDetails, type Watermark } from './groupsSlice';
import type { RootState } from '../../app/store';

const membersPast = (state: RootState, conversationId: string, seq: number, mark: keyof Watermark) =>
  membersAtOrPast(selectGroupDetails(state, conversationId), seq, state.auth.user?.id ?? null, mark);

/**
 * Under one of our messages in a group: "Seen by N" (who has read it), else "Delivered to N".
 * The names show on hover (title), and in a list a click, tap or Enter toggles, which a screen
 * reader reaches as a disclosure button.
 */
export const SeenBy = memo(function SeenBy({ conversationId, seq }: { conversationId: string; seq: number }) {
  const listId = useId();
  const [open, setOpen] = useState(false);
  // The names themselves are selected (compared name by name), not the group's details: those
  // change with every member page and every member's read or delivered mark, and each of our
  // messages on screen would render again for each, though its own line seldom changes.
  const readers = useAppSelector((state) => membersPast(state, conversationId, seq, 'read'), shallowEqual);
  const receivers = useAppSelector((state) => membersPast(state, conversationId, seq, 'delivered'), shallowEqual);
  if (readers.length === 0) {
    return receivers.length > 0 ? (
      <span className="seen-by" data-testid="delivered-to" title={`Delivered to ${joinNames(receivers)}`}>
        Delivered to {receivers.length}
      </span>
    ) : null;
  }
  return (
    <span className="seen-by" data-testid="seen-by" data-count={readers.length}>
      <button
        type="button"
        className="seen-by__button"
        aria-expanded={open}
        aria-controls={listId}
        title={`Seen by ${joinNames(readers)}`}
        onClick={() => setOpen((value) => !value)}
        onKeyDown={(event) => {
          if (event.key === 'Escape') setOpen(false);
        }}
        onBlur={() => setOpen(false)}
      >
        Seen by {readers.length}
      </button>
      {open && (
        <ul id={listId} className="seen-by__list" aria-label="Seen by" data-testid="seen-by-list">
          {readers.map((name) => (
            <li key={name}>{name}</li>
          ))}
        </ul>
      )}
    </span>
  );
});
