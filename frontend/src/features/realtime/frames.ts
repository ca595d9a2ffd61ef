/**
 * The socket frames of contract §4, as the browser sees them. Server frames are checked only as
 * far as the app relies on them (`type` and the fields it reads); anything else is ignored, so
 * a server that adds fields or frame types does not break the client.
 */
import type { AppNotification, ChatMessage, ConversationSummary } from '../../api/types';

/** `/ws/chat`, server → client. */
export type ChatServerFrame =
  | { type: 'message.ack'; clientMsgId: string; message: ChatMessage }
  | { type: 'message.new'; message: ChatMessage; clientMsgId?: string }
  | { type: 'message.read'; conversationId: string; readerId: string; seq: number }
  | { type: 'typing'; conversationId: string; userId: string }
  | {
      type: 'message.votes';
      conversationId: string;
      messageId: string;
      up: number;
      down: number;
      mine: 'up' | 'down' | null;
      /** The message's new `rev` (v2). */
      rev?: number;
    }
  | { type: 'message.delivered'; conversationId: string; userId: string; seq: number }
  | { type: 'conversation.updated'; conversation: ConversationSummary }
  | { type: 'conversation.removed'; conversationId: string }
  | { type: 'message.updated'; message: ChatMessage }
  | { type: 'error'; code: string; message: string; clientMsgId?: string; requestId?: string };

/** `/ws/chat`, client → server. */
export type ChatClientFrame =
  | ({ type: 'message.send'; clientMsgId: string; content: string; replyTo?: string; attachmentIds?: string[] } & ({ to: string } | { conversationId: string }))
  | LifecycleCommandFrame
  | { type: 'message.read'; conversationId: string; seq: number }
  | { type: 'message.delivered'; conversationId: string; seq: number }
  | { type: 'typing'; conversationId: string }
  | { type: 'message.vote'; messageId: string; vote: 'up' | 'down' }
  | { type: 'ping' };

/** The lifecycle commands (contract §7), each with the `requestId` an `error` answering it echoes. */
export type LifecycleCommandFrame =
  | { type: 'message.edit'; messageId: string; content: string; requestId: string }
  | { type: 'message.delete'; messageId: string; requestId: string }
  | { type: 'message.react'; messageId: string; emoji: string; requestId: string };

/** `/ws/notifications`, server → client. */
export type NotificationsServerFrame =
  | {
      type: 'presence';
      userId: string;
      username: string;
      status: 'online' | 'offline';
      lastSeenAt: string | null;
    }
  | { type: 'user.registered'; user: { id: string; username: string; status: 'online' | 'offline' } }
  | { type: 'notification'; notification: AppNotification };

type Json = Record<string, unknown>;

const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isString = (value: unknown): value is string => typeof value === 'string';
const isSeq = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0;
const isCount = isSeq;
const isOwnVote = (value: unknown): value is 'up' | 'down' | null =>
  value === 'up' || value === 'down' || value === null;

function isMessageVotes(value: unknown): value is ChatMessage['votes'] {
  return isRecord(value) && isCount(value.up) && isCount(value.down) && isOwnVote(value.mine);
}

export function isChatMessage(value: unknown): value is ChatMessage {
  return (
    isRecord(value) &&
    isString(value.id) &&
    isString(value.conversationId) &&
    isSeq(value.seq) &&
    isString(value.senderId) &&
    // Null in a group (contract §6).
    (isString(value.receiverId) || value.receiverId === null) &&
    isString(value.content) &&
    isString(value.createdAt)
  );
}

/** A `conversation` of contract §6, as far as the app relies on it. */
function isConversation(value: unknown): value is ConversationSummary {
  return (
    isRecord(value) &&
    isString(value.id) &&
    (value.kind === 'direct' || value.kind === 'group') &&
    isCount(value.unreadCount) &&
    isSeq(value.lastReadSeq) &&
    isString(value.updatedAt) &&
    (value.lastMessage === null || isChatMessage(value.lastMessage))
  );
}

/** Fills in `votes` for a message that came without them (or with a malformed set), so the rest
 *  of the app can rely on them. */
function withVotes(message: ChatMessage): ChatMessage {
  return isMessageVotes(message.votes) ? message : { ...message, votes: { up: 0, down: 0, mine: null } };
}

/** A chat frame the app understands, or null (unknown type, wrong shape). */
export function parseChatFrame(frame: Json): ChatServerFrame | null {
  switch (frame.type) {
    case 'message.ack':
      return isString(frame.clientMsgId) && isChatMessage(frame.message)
        ? { type: 'message.ack', clientMsgId: frame.clientMsgId, message: withVotes(frame.message) }
        : null;
    case 'message.new':
      if (!isChatMessage(frame.message)) return null;
      return isString(frame.clientMsgId)
        ? { type: 'message.new', message: withVotes(frame.message), clientMsgId: frame.clientMsgId }
        : { type: 'message.new', message: withVotes(frame.message) };
    case 'message.read':
      return isString(frame.conversationId) && isString(frame.readerId) && isSeq(frame.seq)
        ? {
            type: 'message.read',
            conversationId: frame.conversationId,
            readerId: frame.readerId,
            seq: frame.seq,
          }
        : null;
    case 'typing':
      return isString(frame.conversationId) && isString(frame.userId)
        ? { type: 'typing', conversationId: frame.conversationId, userId: frame.userId }
        : null;
    case 'message.votes':
      // `mine` may be left out for "no vote"; anything else unexpected drops the frame rather
      // than showing wrong counts (the next frame or history load puts them right).
      return isString(frame.conversationId) &&
        isString(frame.messageId) &&
        isCount(frame.up) &&
        isCount(frame.down) &&
        (frame.mine === undefined || isOwnVote(frame.mine))
        ? {
            type: 'message.votes',
            conversationId: frame.conversationId,
            messageId: frame.messageId,
            up: frame.up,
            down: frame.down,
            mine: frame.mine ?? null,
            ...(isSeq(frame.rev) ? { rev: frame.rev } : {}),
          }
        : null;
    case 'message.delivered':
      return isString(frame.conversationId) && isString(frame.userId) && isSeq(frame.seq)
        ? { type: 'message.delivered', conversationId: frame.conversationId, userId: frame.userId, seq: frame.seq }
        : null;
    case 'conversation.updated':
      return isConversation(frame.conversation)
        ? { type: 'conversation.updated', conversation: frame.conversation }
        : null;
    case 'conversation.removed':
      return isString(frame.conversationId) ? { type: 'conversation.removed', conversationId: frame.conversationId } : null;
    case 'message.updated':
      return isChatMessage(frame.message) ? { type: 'message.updated', message: withVotes(frame.message) } : null;
    case 'error': {
      const code = isString(frame.code) ? frame.code : 'unknown';
      const message = isString(frame.message) ? frame.message : 'The server refused a frame.';
      return {
        type: 'error',
        code,
        message,
        ...(isString(frame.clientMsgId) ? { clientMsgId: frame.clientMsgId } : {}),
        ...(isString(frame.requestId) ? { requestId: frame.requestId } : {}),
      };
    }
    default:
      return null;
  }
}

/** A notifications frame the app understands, or null. */
export function parseNotificationsFrame(frame: Json): NotificationsServerFrame | null {
  switch (frame.type) {
    case 'presence':
      return isString(frame.userId) &&
        isString(frame.username) &&
        (frame.status === 'online' || frame.status === 'offline')
        ? {
            type: 'presence',
            userId: frame.userId,
            username: frame.username,
            status: frame.status,
            lastSeenAt: isString(frame.lastSeenAt) ? frame.lastSeenAt : null,
          }
        : null;
    case 'user.registered': {
      const user = frame.user;
      return isRecord(user) && isString(user.id) && isString(user.username)
        ? {
            type: 'user.registered',
            user: { id: user.id, username: user.username, status: user.status === 'online' ? 'online' : 'offline' },
          }
        : null;
    }
    case 'notification': {
      const n = frame.notification;
      return isRecord(n) &&
        isString(n.id) &&
        isString(n.conversationId) &&
        isString(n.senderId) &&
        isString(n.createdAt)
        ? { type: 'notification', notification: n as unknown as AppNotification }
        : null;
    }
    default:
      return null;
  }
}
