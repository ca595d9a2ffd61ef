/** Wire types from the public contract (CONTRACT.md §3). Ids are UUID strings, times RFC 3339 UTC. */

/** The signed-in account, as answered by the auth service. */
export interface User {
  id: string;
  email: string;
  username: string;
  createdAt: string;
}

export type PresenceStatus = 'online' | 'offline';

/** Another user as listed by `GET /api/users`. */
export interface DirectoryUser {
  id: string;
  username: string;
  status: PresenceStatus;
  /** Null when the user has never been seen online. */
  lastSeenAt: string | null;
}

export interface UserEnvelope {
  user: User;
}

export interface UserPage {
  users: DirectoryUser[];
  nextCursor: string | null;
}

/** Answer of every service's `GET /api/<service>/version`. */
export interface VersionInfo {
  service: string;
  version: string;
}

/** A message's votes; `mine` is the caller's own vote (null: none). */
export interface MessageVotes {
  up: number;
  down: number;
  mine: 'up' | 'down' | null;
}

/** A file of a message, or a pending upload (contract §8). `width`, `height` and
 *  `thumbnailUrl` are null unless it is a PNG, JPEG, GIF or WebP image; the URLs are gateway
 *  paths, checked on every request. */
export interface Attachment {
  id: string;
  filename: string;
  contentType: string;
  size: number;
  width: number | null;
  height: number | null;
  url: string;
  thumbnailUrl: string | null;
}

/** A stored chat message (contract §3 messages). `seq` is 1, 2, 3, … per conversation. */
export interface ChatMessage {
  id: string;
  conversationId: string;
  seq: number;
  senderId: string;
  receiverId: string;
  content: string;
  createdAt: string;
  votes: MessageVotes;
  /** Its files (contract v2; absent from a v1 server). */
  attachments?: Attachment[];
}

/** `GET /api/messages/with/{userId}` and `/conversations/{id}/messages`: ascending `seq`. */
export interface MessagePage {
  messages: ChatMessage[];
  hasMore: boolean;
}

/** One row of `GET /api/messages/conversations`. */
export interface ConversationSummary {
  id: string;
  peer: { id: string; username: string };
  lastMessage: ChatMessage | null;
  unreadCount: number;
  lastReadSeq: number;
  peerLastReadSeq: number;
  updatedAt: string;
}

export interface ConversationPage {
  conversations: ConversationSummary[];
  nextCursor: string | null;
}

/** A stored notification (contract §3 notifications). */
export interface AppNotification {
  id: string;
  type: string;
  conversationId: string;
  messageId: string;
  senderId: string;
  senderUsername: string;
  preview: string;
  createdAt: string;
  readAt: string | null;
}

export interface NotificationPage {
  notifications: AppNotification[];
  nextCursor: string | null;
  unreadCount: number;
}
