import { memo } from 'react';
import { formatMessageTime } from './formatTime';

/** Where one of our messages is: pending (not stored yet), sent (stored), read (by the peer),
 *  or failed (refused; retry or discard). The peer's messages have no status. */
export type OwnStatus = 'pending' | 'sent' | 'read' | 'failed';

const STATUS_LABEL: Record<OwnStatus, string> = {
  pending: 'Sending',
  sent: 'Sent',
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
      {status === 'read' && (
        <path d="M8.5 11.5l.5.5 7-8" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round" />
      )}
    </svg>
  );
}

/**
 * One message. The text is a React text node (never parsed as HTML) with newlines kept by CSS.
 * The footer is where per-message actions (votes, in a later issue) will go.
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
}: MessageBubbleProps) {
  const time = formatMessageTime(createdAt);
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
        <p className="message__text" data-testid="message-text">
          {content}
        </p>
        <div className="message__meta">
          <time dateTime={createdAt} title={time.full}>
            {time.short}
          </time>
          {status && (
            <span className={`message__status message__status--${status}`}>
              <StatusIcon status={status} />
              <span className="visually-hidden">{STATUS_LABEL[status]}</span>
            </span>
          )}
        </div>
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
