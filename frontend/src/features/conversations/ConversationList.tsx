import { memo, useCallback } from 'react';
import type { ConversationSummary, DirectoryUser } from '../../api/types';
import { Listbox } from '../../components/Listbox';
import { formatShortTime } from '../../time/formatTime';
import { conversationPreview, conversationTitle, isGroup } from '../groups/conversationDisplay';

/** One conversation's row, in pixels (the stylesheet's `.conversation-list .listbox__option`). */
export const CONVERSATION_ROW_HEIGHT = 64;

export interface ConversationListProps {
  conversations: readonly ConversationSummary[];
  selfId: string | null;
  /** The directory, for peers' presence and names the list may not have yet. */
  usersById: Record<string, DirectoryUser | undefined>;
  selectedPeerId: string | null;
  /** The open group, if a group is open. */
  selectedGroupId?: string | null;
  /** Names known beyond the directory (group members), for group previews. */
  names?: Record<string, string>;
  onChoose: (conversation: ConversationSummary) => void;
  now: Date;
}

// The list's functions are stable (here, or `useCallback` on what they read), so a render of the
// list renders only the rows whose conversation changed (see `Listbox`).
const conversationKey = (conversation: ConversationSummary) => conversation.id;
const NO_NAMES: Record<string, string> = {};

/** Chats, most recent first: peer, last-message preview, time and unread badge; windowed. */
export const ConversationList = memo(function ConversationList({
  conversations,
  selfId,
  usersById,
  selectedPeerId,
  selectedGroupId = null,
  names = NO_NAMES,
  onChoose,
  now,
}: ConversationListProps) {
  const nameOf = useCallback((id: string) => usersById[id]?.username ?? names[id], [usersById, names]);
  const optionProps = useCallback(
    (conversation: ConversationSummary) => ({
      'data-testid': 'conversation-item',
      'data-peer': conversationTitle(conversation, nameOf),
      'data-kind': conversation.kind ?? 'direct',
      'data-unread': String(conversation.unreadCount),
    }),
    [nameOf],
  );
  const renderOption = useCallback(
    (conversation: ConversationSummary) => {
      const peer = conversation.peer ? usersById[conversation.peer.id] : undefined;
      const name = conversationTitle(conversation, nameOf);
      const last = conversation.lastMessage;
      return (
        <>
          <span className="avatar" aria-hidden="true">
            {isGroup(conversation) ? '#' : name.slice(0, 1).toUpperCase()}
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
                {conversationPreview(conversation, nameOf, selfId)}
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
    },
    [usersById, nameOf, selfId, now],
  );
  if (conversations.length === 0) {
    return <p className="empty">No conversations yet. Pick someone under People to say hello.</p>;
  }
  const selected =
    selectedGroupId ?? conversations.find((c) => c.peer && c.peer.id === selectedPeerId)?.id ?? null;
  return (
    <Listbox
      id="conversations"
      label="Conversations"
      className="conversation-list"
      optionHeight={CONVERSATION_ROW_HEIGHT}
      items={conversations}
      getKey={conversationKey}
      selectedKey={selected}
      onChoose={onChoose}
      optionProps={optionProps}
      renderOption={renderOption}
    />
  );
});
