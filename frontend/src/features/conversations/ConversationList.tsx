import { memo } from 'react';
import type { ConversationSummary, DirectoryUser } from '../../api/types';
import { Listbox } from '../../components/Listbox';
import { formatShortTime } from '../../time/formatTime';
import { previewText } from '../attachments/limits';

/** One conversation's row, in pixels (the stylesheet's `.conversation-list .listbox__option`). */
export const CONVERSATION_ROW_HEIGHT = 64;

export interface ConversationListProps {
  conversations: readonly ConversationSummary[];
  selfId: string | null;
  /** The directory, for peers' presence and names the list may not have yet. */
  usersById: Record<string, DirectoryUser | undefined>;
  selectedPeerId: string | null;
  onChoose: (conversation: ConversationSummary) => void;
  now: Date;
}

/** Chats, most recent first: peer, last-message preview, time and unread badge; windowed. */
export const ConversationList = memo(function ConversationList({
  conversations,
  selfId,
  usersById,
  selectedPeerId,
  onChoose,
  now,
}: ConversationListProps) {
  if (conversations.length === 0) {
    return <p className="empty">No conversations yet. Pick someone under People to say hello.</p>;
  }
  const selected = conversations.find((c) => c.peer.id === selectedPeerId)?.id ?? null;
  return (
    <Listbox
      id="conversations"
      label="Conversations"
      className="conversation-list"
      optionHeight={CONVERSATION_ROW_HEIGHT}
      items={conversations}
      getKey={(conversation) => conversation.id}
      selectedKey={selected}
      onChoose={onChoose}
      optionProps={(conversation) => ({
        'data-testid': 'conversation-item',
        'data-peer': usersById[conversation.peer.id]?.username ?? conversation.peer.username,
        'data-unread': String(conversation.unreadCount),
      })}
      renderOption={(conversation) => {
        const peer = usersById[conversation.peer.id];
        const name = peer?.username ?? (conversation.peer.username || 'Someone');
        const last = conversation.lastMessage;
        const mine = last !== null && last.senderId === selfId;
        return (
          <>
            <span className="avatar" aria-hidden="true">
              {name.slice(0, 1).toUpperCase()}
              {peer && <span className={`presence-dot presence-dot--${peer.status}`} />}
            </span>
            <span className="conversation-list__text">
              <span className="conversation-list__top">
                <span className="conversation-list__name">{name}</span>
                {last && (
                  <time className="conversation-list__time" dateTime={last.createdAt}>
                    {formatShortTime(last.createdAt, now)}
                  </time>
                )}
              </span>
              <span className="conversation-list__bottom">
                <span className="conversation-list__preview">
                  {last ? `${mine ? 'You: ' : ''}${previewText(last)}` : 'No messages yet'}
                </span>
                {conversation.unreadCount > 0 && (
                  <span className="unread-badge" data-testid="unread-badge">
                    {conversation.unreadCount}
                    <span className="visually-hidden"> unread</span>
                  </span>
                )}
              </span>
            </span>
          </>
        );
      }}
    />
  );
});
