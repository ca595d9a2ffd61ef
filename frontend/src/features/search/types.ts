/** Wire types of message search (contract §9). Kept here, beside the feature, not in `api/types.ts`. */
import type { ChatMessage, MessagePage } from '../../api/types';

/** `[start, end)` in UTF-16 code units of `message.content`: JavaScript string indices. */
export type Highlight = [number, number];

/** The conversation a result is in, as the search names it. */
export interface SearchConversation {
  id: string;
  kind: 'direct' | 'group';
  /** A group's name; null for a direct conversation. */
  name: string | null;
  /** The other participant of a direct conversation; null for a group. */
  peer: { id: string; username: string } | null;
}

export interface SearchResult {
  message: ChatMessage;
  conversation: SearchConversation;
  highlights: Highlight[];
}

/** `GET /api/messages/search`: newest first. */
export interface SearchPage {
  results: SearchResult[];
  nextCursor: string | null;
}

/** `GET /api/messages/conversations/{id}/messages?around=SEQ`: ascending seq, centred on SEQ. */
export interface AroundPage extends MessagePage {
  hasMoreBefore: boolean;
  hasMoreAfter: boolean;
}

/** Where a click on a result asks the chat to open: that message, scrolled to and marked. */
export interface JumpTarget {
  conversationId: string;
  /** The other participant, for a direct conversation (threads are keyed by them). */
  peerId: string | null;
  messageId: string;
  seq: number;
}
