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

/** A role in a group (contract §6). */
export type GroupRole = 'owner' | 'admin' | 'member';

export type ConversationKind = 'direct' | 'group';

/** What a system message records (contract §6): a membership, name, topic or role change. */
export interface SystemInfo {
  event: 'created' | 'member.added' | 'member.removed' | 'member.left' | 'renamed' | 'topic.changed' | 'role.changed';
  actorId: string;
  userIds: string[];
  name?: string;
  topic?: string;
  role?: GroupRole;
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
  /** The other participant of a direct conversation; null in a group (v2). */
  receiverId: string | null;
  content: string;
  createdAt: string;
  votes: MessageVotes;
  /** v2: absent from v1 answers, which only have user messages. */
  kind?: 'user' | 'system';
  system?: SystemInfo | null;
  /** Contract v2 §7 (a v1 server leaves these out: read them through `features/lifecycle`). */
  replyTo?: ReplyRef | null;
  editedAt?: string | null;
  deletedAt?: string | null;
  reactions?: MessageReaction[];
  /** The conversation's `rev` at this message's last change. */
  rev?: number;
  /** Its files (contract v2; absent from a v1 server). */
  attachments?: Attachment[];
}

/** The message a reply answers; `preview` is empty once that message was deleted. */
export interface ReplyRef {
  id: string;
  seq: number;
  senderId: string;
  preview: string;
}

/** One emoji's reactions on a message; `mine`: the caller reacted with it. */
export interface MessageReaction {
  emoji: string;
  count: number;
  mine: boolean;
}

/** `GET /api/messages/with/{userId}` and `/conversations/{id}/messages`: ascending `seq`. */
export interface MessagePage {
  messages: ChatMessage[];
  hasMore: boolean;
}

/** One row of `GET /api/messages/conversations`, or a `conversation` of contract §6. The v2
 *  fields are optional so a v1-shaped row (no `kind`) reads as a direct conversation. */
export interface ConversationSummary {
  id: string;
  /** Null for a group. */
  peer: { id: string; username: string } | null;
  lastMessage: ChatMessage | null;
  unreadCount: number;
  lastReadSeq: number;
  /** Null for a group. */
  peerLastReadSeq: number | null;
  updatedAt: string;
  kind?: ConversationKind;
  /** Groups only (null for direct). */
  name?: string | null;
  topic?: string | null;
  myRole?: GroupRole | null;
  memberCount?: number;
  rev?: number;
  lastDeliveredSeq?: number;
  peerLastDeliveredSeq?: number | null;
  createdAt?: string;
}

/** One member of a group (`GET /api/messages/conversations/{id}/members`). */
export interface GroupMember {
  user: { id: string; username: string };
  role: GroupRole;
  joinedAt: string;
  lastReadSeq: number;
  lastDeliveredSeq: number;
}

export interface MemberPage {
  members: GroupMember[];
  nextCursor: string | null;
}

export interface ConversationEnvelope {
  conversation: ConversationSummary;
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
  /** v2 (contract §6): null or absent for a direct conversation. */
  conversationKind?: ConversationKind | null;
  conversationName?: string | null;
}

export interface NotificationPage {
  notifications: AppNotification[];
  nextCursor: string | null;
  unreadCount: number;
}
