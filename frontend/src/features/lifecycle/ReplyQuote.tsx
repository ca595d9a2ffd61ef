/**
 * Replies: the quote of the replied message inside a bubble (a button that shows the original,
 * loading older history when needed), and the quote above the composer while writing a reply
 * (with a button to cancel it; Escape in the composer cancels it too).
 */
import type { ReplyRef } from '../../api/types';
import { useAppDispatch, useAppSelector } from '../../app/hooks';
import { selectDirectoryUserById } from '../users/usersSlice';
import { quotePreview, TOMBSTONE_TEXT } from './applyChanges';
import { replyCancelled, selectReplyDraft } from './lifecycleSlice';
import { jumpToMessage } from './lifecycleThunks';

/** "You" or the sender's name as the directory knows it. */
function useSenderName(senderId: string): string {
  const selfId = useAppSelector((state) => state.auth.user?.id);
  const user = useAppSelector((state) => selectDirectoryUserById(state, senderId));
  if (senderId === selfId) return 'You';
  return user?.username ?? 'Someone';
}

/** The quote in a reply's bubble. */
export function ReplyQuote({ threadKey, reply }: { threadKey: string; reply: ReplyRef }) {
  const dispatch = useAppDispatch();
  const name = useSenderName(reply.senderId);
  const original = useAppSelector((state) => state.messages.threads[threadKey]?.byId[reply.id]);
  const { text, deleted } = quotePreview(reply, original);
  return (
    <button
      type="button"
      className="reply-quote"
      data-testid="reply-quote"
      aria-label={`Reply to ${name}: ${deleted ? 'a deleted message' : text}. Show the original message`}
      onClick={() => void dispatch(jumpToMessage({ threadKey, messageId: reply.id, seq: reply.seq }))}
    >
      <span className="reply-quote__name">{name}</span>
      <span className={`reply-quote__text${deleted ? ' reply-quote__text--deleted' : ''}`}>
        {deleted ? TOMBSTONE_TEXT : text}
      </span>
    </button>
  );
}

/** The reply being written, above the composer. */
export function ComposerReplyBar({ threadKey }: { threadKey: string }) {
  const dispatch = useAppDispatch();
  const reply = useAppSelector((state) => selectReplyDraft(state, threadKey));
  const name = useSenderName(reply?.senderId ?? '');
  const original = useAppSelector((state) => (reply ? state.messages.threads[threadKey]?.byId[reply.id] : undefined));
  if (!reply) return null;
  const { text, deleted } = quotePreview(reply, original);
  return (
    <div className="reply-bar" data-testid="composer-reply" role="group" aria-label={`Replying to ${name}`}>
      <div className="reply-bar__quote">
        <span className="reply-quote__name">Replying to {name}</span>
        <span className={`reply-quote__text${deleted ? ' reply-quote__text--deleted' : ''}`}>
          {deleted ? TOMBSTONE_TEXT : text}
        </span>
      </div>
      <button
        type="button"
        className="button button--ghost reply-bar__cancel"
        aria-label="Cancel reply"
        onClick={() => {
          dispatch(replyCancelled({ threadKey }));
          document.getElementById('composer-input')?.focus();
        }}
      >
        ×
      </button>
    </div>
  );
}
