import { memo, type ReactNode } from 'react';
import type { Attachment, MessageVotes } from '../../api/types';
import { MessageAttachments } from '../attachments/MessageAttachments';
import type { VoteDirection } from '../messages/thread';
import { formatMessageTime } from '../../time/formatTime';

/** Where one of our messages is: pending (not stored yet), sent (stored), read (by the peer),
 *  or failed (refused; retry or discard). The peer's messages have no status. */
export type OwnStatus = 'pending' | 'sent' | 'delivered' | 'read' | 'failed';

const STATUS_LABEL: Record<OwnStatus, string> = {
  pending: 'Sending',
  sent: 'Sent',
  delivered: 'Delivered',
  read: 'Read',
  failed: 'Not sent',
};

export interface MessageBubbleProps {
  content: string;
  createdAt: string;
  own: boolean;
  status: OwnStatus | null;
  seq: number | null;
  clientMsgId: string | null;
  error?: string | null;
  onRetry?: () => void;
  onDiscard?: () => void;
  /** The counts and our own vote to show (a pending message has none yet: zeros). */
  votes: MessageVotes;
  /** Why the vote buttons are off for a stored message (the socket is down), or null when
   *  they work. A message not stored yet (`messageId` null) can never be voted on. */
  voteBlocked: string | null;
  /** The stored message's id (null while pending). The handler takes it, so one stable
   *  callback serves every bubble and `memo` keeps working. */
  messageId: string | null;
  onVote?: (messageId: string, vote: VoteDirection) => void;
  /** Why our last vote on this message was not counted. */
  voteError?: string | null;
  /** A vote of ours awaits the server's answer (`votes` shows its predicted outcome). */
  voteAwaiting?: boolean;
  /** Who wrote it, shown above the text (others' messages in a group). */
  senderName?: string | null;
  /** More in the footer, after the status ("seen by N" in a group). */
  extra?: ReactNode;
  /** The lifecycle's parts (`features/lifecycle`, contract §7): a reply quote above the text,
   *  a body in place of the text (editor, tombstone), marks in the meta line ("edited"),
   *  a row under the message (reactions), the actions menu, and no votes on a tombstone. */
  quote?: ReactNode;
  body?: ReactNode;
  marks?: ReactNode;
  below?: ReactNode;
  actions?: ReactNode;
  votesHidden?: boolean;
  /** Its files. */
  attachments?: Attachment[];
}

function StatusIcon({ status }: { status: OwnStatus }) {
  // Decorative SVG; the status is spoken through the visually hidden label next to it.
  if (status === 'pending') {
    return (
      <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" className="message__icon">
        <circle cx="8" cy="8" r="6.25" fill="none" stroke="currentColor" strokeWidth="1.5" />
        <path d="M8 4.5V8l2.5 1.5" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" />
      </svg>
    );
  }
  if (status === 'failed') {
    return (
      <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" className="message__icon">
        <circle cx="8" cy="8" r="6.25" fill="none" stroke="currentColor" strokeWidth="1.5" />
        <path d="M8 4.5v4.25M8 11v.5" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" />
      </svg>
    );
  }
  return (
    <svg viewBox="0 0 20 16" width="17" height="14" aria-hidden="true" className="message__icon">
      <path d="M1.5 8.5l3.5 3.5 7-8" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round" />
      {(status === 'read' || status === 'delivered') && (
        <path d="M8.5 11.5l.5.5 7-8" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round" />
      )}
    </svg>
  );
}

const NO_ATTACHMENTS: Attachment[] = [];

const VOTE_NAME: Record<VoteDirection, string> = { up: 'Upvote', down: 'Downvote' };

/** A plain function, not a component: two per message, nothing to keep between renders. */
function voteIcon(vote: VoteDirection) {
  return (
    <svg viewBox="0 0 16 16" width="12" height="12" aria-hidden="true" className="vote__icon">
      <path
        d={vote === 'up' ? 'M8 3l5 6.5H3z' : 'M8 13L3 6.5h10z'}
        fill="currentColor"
        stroke="currentColor"
        strokeWidth="1"
        strokeLinejoin="round"
      />
    </svg>
  );
}

/**
 * One vote button: a toggle (`aria-pressed`) whose name carries the count, "Upvote (3)", so a
 * screen reader hears both; the visible count is the same number.
 */
function VoteButton({
  vote,
  count,
  pressed,
  blocked,
  onVote,
}: {
  vote: VoteDirection;
  count: number;
  pressed: boolean;
  blocked: string | null;
  onVote: (vote: VoteDirection) => void;
}) {
  const name = VOTE_NAME[vote];
  const hint = blocked ?? (pressed ? `Remove your ${name.toLowerCase()}` : name);
  return (
    <button
      type="button"
      className={`vote vote--${vote}${pressed ? ' vote--pressed' : ''}`}
      aria-label={`${name} (${count})`}
      aria-pressed={pressed}
      title={hint}
      disabled={blocked !== null}
      data-testid={`vote-${vote}`}
      onClick={() => onVote(vote)}
    >
      {voteIcon(vote)}
      <span className="vote__count">{count}</span>
    </button>
  );
}

/**
 * One message. The text is a React text node (never parsed as HTML) with newlines kept by CSS.
 * The footer holds the vote buttons (left) and the time and status (right).
 */
export const MessageBubble = memo(function MessageBubble({
  content,
  createdAt,
  own,
  status,
  seq,
  clientMsgId,
  error,
  onRetry,
  onDiscard,
  votes,
  voteBlocked,
  messageId,
  onVote,
  voteError,
  voteAwaiting = false,
  senderName = null,
  extra = null,
  quote,
  body,
  marks,
  below,
  actions,
  votesHidden = false,
  attachments = NO_ATTACHMENTS,
}: MessageBubbleProps) {
  const time = formatMessageTime(createdAt);
  const blocked = messageId === null ? 'Votes open once the message is sent' : voteBlocked;
  const vote = (direction: VoteDirection) => {
    if (messageId !== null) onVote?.(messageId, direction);
  };
  return (
    <div
      className={`message-row${own ? ' message-row--own' : ''}`}
      data-testid="message"
      data-own={own ? 'true' : 'false'}
      data-status={status ?? undefined}
      data-seq={seq ?? undefined}
      data-client-msg-id={clientMsgId ?? undefined}
    >
      <div className={`message${status === 'failed' ? ' message--failed' : ''}`}>
        {senderName && (
          <span className="message__sender" data-testid="message-sender">
            {senderName}
          </span>
        )}
        {quote}
        {attachments.length > 0 && <MessageAttachments attachments={attachments} />}
        {body ??
          ((content || attachments.length === 0) && (
            <p className="message__text" data-testid="message-text">
              {content}
            </p>
          ))}
        <div className="message__meta">
          {votesHidden ? (
            <span className="message__votes" />
          ) : (
            <div
              className="message__votes"
              role="group"
              aria-label="Votes"
              data-testid="votes"
              data-mine={votes.mine ?? 'none'}
              data-awaiting={voteAwaiting ? 'true' : undefined}
            >
              <VoteButton vote="up" count={votes.up} pressed={votes.mine === 'up'} blocked={blocked} onVote={vote} />
              <VoteButton vote="down" count={votes.down} pressed={votes.mine === 'down'} blocked={blocked} onVote={vote} />
            </div>
          )}
          {actions}
          {marks}
          <time dateTime={createdAt} title={time.full}>
            {time.short}
          </time>
          {status && (
            <span className={`message__status message__status--${status}`}>
              <StatusIcon status={status} />
              <span className="visually-hidden">{STATUS_LABEL[status]}</span>
            </span>
          )}
          {extra}
        </div>
        {below}
        {voteError && (
          <p className="message__vote-error" role="status">
            {voteError}
          </p>
        )}
        {status === 'failed' && (
          <div className="message__failure">
            <span>{error ?? 'The message could not be sent.'}</span>
            <button type="button" className="link-button" onClick={onRetry}>
              Retry
            </button>
            <button type="button" className="link-button" onClick={onDiscard}>
              Discard
            </button>
          </div>
        )}
      </div>
    </div>
  );
});
