/**
 * The lifecycle's parts of a message bubble (contract §7), handed to `MessageBubble` as slots so
 * the chat pane needs one line for them: the reply quote, the body (text, inline editor, an edit
 * on its way, or the tombstone), the "edited" mark (opens the history), reaction chips, and the
 * actions menu. Also `useRevealKey`: which row the chat should scroll to (a quote's original, or
 * the message being edited).
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { shallowEqual } from 'react-redux';
import type { ChatMessage } from '../../api/types';
import { useAppDispatch, useAppSelector } from '../../app/hooks';
import type { RootState } from '../../app/store';
import type { Thread } from '../messages/thread';
import { isDeleted, isEdited, TOMBSTONE_TEXT } from './applyChanges';
import { InlineEditor } from './InlineEditor';
import { errorDismissed, jumpDone, selectLifecycleError, selectPendingChange } from './lifecycleSlice';
import { MessageActions } from './MessageActions';
import { RevisionsDialog } from './onDemandDialogs';
import { ReactionChips } from './ReactionChips';
import { ReplyQuote } from './ReplyQuote';
import './lifecycle.css';

/** What a message's body shows besides the message itself. */
function bodyState(state: RootState, messageId: string) {
  return {
    editing: state.lifecycle.editing?.messageId === messageId ? state.lifecycle.editing : null,
    pendingEdit: selectPendingChange(state, messageId, 'edit'),
    deleting: !!selectPendingChange(state, messageId, 'delete'),
    error: selectLifecycleError(state, messageId),
    jumpedHere: state.lifecycle.jump?.messageId === messageId,
  };
}

/** The text, the editor, an edit on its way, or the tombstone; focused when a quote jumps here. */
export function MessageBody({ message, own }: { message: ChatMessage; own: boolean }) {
  const dispatch = useAppDispatch();
  // One subscription, not one per field: every message on screen has a body, and each
  // subscription is set up when a page of rows mounts and run at every store change.
  const { editing, pendingEdit, deleting, error, jumpedHere } = useAppSelector(
    (state) => bodyState(state, message.id),
    shallowEqual,
  );
  const ref = useRef<HTMLDivElement>(null);
  const [flash, setFlash] = useState(false);

  useEffect(() => {
    if (!jumpedHere) return;
    ref.current?.focus();
    setFlash(true);
    dispatch(jumpDone());
    const timer = setTimeout(() => setFlash(false), 2_000);
    return () => clearTimeout(timer);
  }, [jumpedHere, dispatch]);

  // Our own delete takes the menu button (which had focus) away with the text: focus moves to
  // the tombstone, so keyboard and screen-reader users hear what happened and stay in place.
  const deleted = isDeleted(message);
  const weDeleted = useRef(false);
  if (deleting) weDeleted.current = true;
  useEffect(() => {
    if (!deleted || !weDeleted.current) return;
    weDeleted.current = false;
    if (document.activeElement === document.body || document.activeElement === null) ref.current?.focus();
  }, [deleted]);

  let body: ReactNode;
  if (deleted) {
    body = (
      <p className="message__text message__text--deleted" data-testid="message-tombstone">
        {TOMBSTONE_TEXT}
      </p>
    );
  } else if (editing && own) {
    body = <InlineEditor message={message} origin={editing.origin} />;
  } else {
    body = (
      <p className="message__text" data-testid="message-text">
        {pendingEdit?.content ?? message.content}
      </p>
    );
  }
  return (
    <div
      ref={ref}
      tabIndex={-1}
      className={`message__body${flash ? ' message__body--flash' : ''}`}
      data-message-id={message.id}
      data-deleted={deleted ? 'true' : undefined}
    >
      {body}
      {(pendingEdit || deleting) && !deleted && (
        <span className="message__saving" role="status">
          {deleting ? 'Deleting…' : 'Saving…'}
        </span>
      )}
      {error && (
        <p className="message__vote-error" role="status">
          {error}{' '}
          <button type="button" className="link-button" onClick={() => dispatch(errorDismissed({ messageId: message.id }))}>
            Dismiss
          </button>
        </p>
      )}
    </div>
  );
}

/** "edited", a button that opens the edit history. */
export function EditedMark({ message }: { message: ChatMessage }) {
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLButtonElement>(null);
  if (!isEdited(message)) return null;
  return (
    <>
      <button
        ref={ref}
        type="button"
        className="message__edited"
        data-testid="edited-mark"
        aria-label="Edited: show the edit history"
        title={message.editedAt ? `Edited ${new Date(message.editedAt).toLocaleString()}` : 'Edited'}
        onClick={() => setOpen(true)}
      >
        edited
      </button>
      {open && (
        <RevisionsDialog
          message={message}
          open
          onClose={() => setOpen(false)}
          returnFocus={() => ref.current?.focus()}
        />
      )}
    </>
  );
}

export interface LifecycleSlots {
  quote?: ReactNode;
  body?: ReactNode;
  marks?: ReactNode;
  below?: ReactNode;
  actions?: ReactNode;
  votesHidden?: boolean;
}

/** Slots made for a message object (held messages are immutable: a change is a new object), so
 *  an unchanged message gets the very same elements and its memoised bubble skips rendering. */
const slotsCache = new WeakMap<ChatMessage, { key: string; slots: LifecycleSlots }>();

/** The slots of a stored message's bubble. */
export function lifecycleSlots({
  message,
  own,
  mayDelete,
  threadKey,
}: {
  message: ChatMessage;
  own: boolean;
  /** Ours, or someone else's in a group where our role lets us delete it. */
  mayDelete: boolean;
  threadKey: string;
}): LifecycleSlots {
  const key = `${own}|${mayDelete}|${threadKey}`;
  const cached = slotsCache.get(message);
  if (cached?.key === key) return cached.slots;
  const slots = makeSlots(message, own, mayDelete, threadKey);
  slotsCache.set(message, { key, slots });
  return slots;
}

function makeSlots(message: ChatMessage, own: boolean, mayDelete: boolean, threadKey: string): LifecycleSlots {
  const deleted = isDeleted(message);
  return {
    quote: message.replyTo && !deleted ? <ReplyQuote threadKey={threadKey} reply={message.replyTo} /> : undefined,
    body: <MessageBody message={message} own={own} />,
    // Only on an edited message: the mark is a component with state (its dialog), one more to
    // mount for every row otherwise, for nothing.
    marks: isEdited(message) ? <EditedMark message={message} /> : undefined,
    below: deleted ? undefined : <ReactionChips message={message} />,
    actions: <MessageActions message={message} own={own} mayDelete={mayDelete} threadKey={threadKey} />,
    votesHidden: deleted,
  };
}

/** The row key the chat should scroll into view: a quote's original, or the message being
 *  edited (Up in the composer may pick one above the view). */
export function useRevealKey(threadKey: string, thread: Thread | undefined): string | null {
  const jump = useAppSelector((state) => state.lifecycle.jump);
  const editing = useAppSelector((state) => state.lifecycle.editing?.messageId ?? null);
  const messageId = jump?.threadKey === threadKey ? jump.messageId : editing;
  if (!messageId || !thread?.byId[messageId]) return null;
  return thread.clientIdByMessageId[messageId] ?? messageId;
}
