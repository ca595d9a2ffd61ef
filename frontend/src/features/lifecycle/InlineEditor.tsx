/**
 * Editing a message in place: Enter saves, Shift+Enter starts a new line, Escape cancels. Focus
 * goes back where the edit started (the composer after Up, else the message's actions button).
 */
import { useEffect, useRef, useState } from 'react';
import type { ChatMessage } from '../../api/types';
import { useAppDispatch } from '../../app/hooks';
import { MAX_MESSAGE_CHARS, messageLength } from '../messages/messagesSlice';
import { editEnded, type EditOrigin } from './lifecycleSlice';
import { editMessage } from './lifecycleThunks';

/** Focuses where an edit or a dialog of this message started. */
export function returnFocus(origin: EditOrigin, messageId: string): void {
  if (origin === 'composer') {
    document.getElementById('composer-input')?.focus();
    return;
  }
  const actions = Array.from(document.querySelectorAll<HTMLElement>('[data-actions-for]')).find(
    (element) => element.dataset.actionsFor === messageId,
  );
  actions?.querySelector('button')?.focus();
}

export function InlineEditor({ message, origin }: { message: ChatMessage; origin: EditOrigin }) {
  const dispatch = useAppDispatch();
  const [draft, setDraft] = useState(message.content);
  const ref = useRef<HTMLTextAreaElement>(null);
  const length = messageLength(draft);
  const invalid = length === 0 || length > MAX_MESSAGE_CHARS;
  const hintId = `edit-hint-${message.id}`;

  useEffect(() => {
    const input = ref.current;
    if (!input) return;
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
  }, []);

  const cancel = () => {
    dispatch(editEnded());
    returnFocus(origin, message.id);
  };
  const save = async () => {
    if (invalid) return;
    const closed = await dispatch(editMessage({ message, content: draft })).unwrap();
    if (closed) returnFocus(origin, message.id);
  };

  return (
    <div className="inline-editor" data-testid="inline-editor">
      <label className="visually-hidden" htmlFor={`edit-${message.id}`}>
        Edit message
      </label>
      <textarea
        ref={ref}
        id={`edit-${message.id}`}
        className="inline-editor__input"
        value={draft}
        rows={2}
        aria-invalid={invalid}
        aria-describedby={hintId}
        onChange={(event) => setDraft(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Escape') {
            event.preventDefault();
            event.stopPropagation();
            cancel();
          } else if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
            event.preventDefault();
            void save();
          }
        }}
      />
      <div className="inline-editor__actions">
        <span id={hintId} className="inline-editor__hint">
          {length > MAX_MESSAGE_CHARS
            ? `Too long: ${length.toLocaleString('en')} / ${MAX_MESSAGE_CHARS.toLocaleString('en')}`
            : 'Enter saves, Escape cancels'}
        </span>
        <button type="button" className="button button--ghost" onClick={cancel}>
          Cancel
        </button>
        <button type="button" className="button button--primary" aria-disabled={invalid} onClick={() => void save()}>
          Save
        </button>
      </div>
    </div>
  );
}
