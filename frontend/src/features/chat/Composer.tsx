import { useRef, useState, type FormEvent, type KeyboardEvent, type Ref } from 'react';
import { useAppDispatch } from '../../app/hooks';
import {
  MAX_MESSAGE_CHARS,
  TYPING_SEND_INTERVAL_MS,
  messageLength,
  sendMessage,
  sendTyping,
} from '../messages/messagesSlice';
import { ComposerReplyBar } from '../lifecycle/ReplyQuote';
import { useComposerLifecycle } from '../lifecycle/useComposerLifecycle';
import { AttachButton, AttachmentTray } from '../attachments/AttachmentTray';
import { pastedFiles, useFileDrop } from '../attachments/fileDrop';
import { useUploads } from '../attachments/useUploads';

export interface ComposerProps {
  peerId: string;
  peerName: string;
  /** Known from the first stored message on; typing frames need it. */
  conversationId: string | null;
  /** Called after a send, so the history can jump to the end. */
  onSent: () => void;
  inputRef?: Ref<HTMLTextAreaElement>;
}

/** The message box: Enter sends, Shift+Enter starts a new line, 4,000 characters at most. */
export function Composer({ peerId, peerName, conversationId, onSent, inputRef }: ComposerProps) {
  const dispatch = useAppDispatch();
  const [draft, setDraft] = useState('');
  const lastTypingSent = useRef(0);
  const lifecycle = useComposerLifecycle(peerId);
  const length = messageLength(draft);
  const tooLong = length > MAX_MESSAGE_CHARS;
  const uploads = useUploads();
  const drop = useFileDrop(uploads.add);
  // Files alone make a message too; it waits until every upload has finished.
  const canSend = (length > 0 || uploads.ready.length > 0) && !tooLong && !uploads.busy;

  const submit = () => {
    if (!canSend) return;
    const { replyTo } = lifecycle;
    void dispatch(
      sendMessage({ peerId, content: draft.trim(), attachments: uploads.ready, ...(replyTo ? { replyTo } : {}) }),
    );
    lifecycle.sent();
    setDraft('');
    uploads.clear();
    // The next typing frame waits a full interval: sent at once, it could overtake the message
    // (which is stored first) and be cleared by its arrival on the other side.
    lastTypingSent.current = Date.now();
    onSent();
  };

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    submit();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (lifecycle.onKeyDown(event, draft)) return;
    if (event.key !== 'Enter' || event.shiftKey || event.nativeEvent.isComposing) return;
    event.preventDefault();
    submit();
  };

  const onChange = (value: string) => {
    setDraft(value);
    const now = Date.now();
    if (conversationId && value.trim() && now - lastTypingSent.current >= TYPING_SEND_INTERVAL_MS) {
      lastTypingSent.current = now;
      void dispatch(sendTyping({ conversationId }));
    }
  };

  return (
    <form
      className={`composer${drop.dragging ? ' composer--dragging' : ''}`}
      onSubmit={onSubmit}
      aria-label={`Message ${peerName}`}
      {...drop.handlers}
    >
      <ComposerReplyBar threadKey={peerId} />
      <AttachmentTray items={uploads.items} onRemove={uploads.remove} />
      <AttachButton onFiles={uploads.add} />
      <label htmlFor="composer-input" className="visually-hidden">
        Message to {peerName}
      </label>
      <textarea
        ref={inputRef}
        id="composer-input"
        className="composer__input"
        rows={1}
        value={draft}
        placeholder={`Message ${peerName}…`}
        onChange={(event) => onChange(event.target.value)}
        onKeyDown={onKeyDown}
        onPaste={(event) => {
          const files = pastedFiles(event);
          if (files.length > 0) uploads.add(files);
        }}
        aria-invalid={tooLong}
        aria-describedby="composer-count composer-hint"
      />
      <div className="composer__side">
        <span
          id="composer-count"
          className={`composer__count${tooLong ? ' composer__count--over' : ''}`}
          aria-live={tooLong ? 'polite' : 'off'}
        >
          {length.toLocaleString('en')} / {MAX_MESSAGE_CHARS.toLocaleString('en')}
          {tooLong && <span className="visually-hidden"> characters: too long to send</span>}
        </span>
        <button type="submit" className="button button--primary composer__send" aria-disabled={!canSend}>
          Send
        </button>
      </div>
      <span id="composer-hint" className="visually-hidden">
        Enter sends, Shift+Enter starts a new line, Up edits your last message.
      </span>
    </form>
  );
}
