/**
 * Chat events several slices react to (messages, conversations, typing, notifications). They are
 * plain actions so that every slice stays a pure reducer; the chat socket client and the
 * message thunks dispatch them. `selfId` travels with each one because "mine or theirs" decides
 * unread counts and read marks, and a reducer cannot look into another slice.
 */
import { createAction } from '@reduxjs/toolkit';
import type { ChatMessage } from '../api/types';

/** The key of the thread a message belongs to, seen from `selfId`: the other participant for a
 *  direct conversation, the conversation itself for a group (`receiverId` null). */
export function peerOf(
  message: Pick<ChatMessage, 'senderId' | 'receiverId' | 'conversationId'>,
  selfId: string,
): string {
  if (message.receiverId === null) return message.conversationId;
  return message.senderId === selfId ? message.receiverId : message.senderId;
}

/** A stored message arrived live (`message.new`), maybe carrying our other tab's `clientMsgId`. */
export const messageReceived = createAction<{
  message: ChatMessage;
  selfId: string;
  clientMsgId?: string;
  /** The peer's username when known, for a conversation the list has not seen yet. */
  peerUsername?: string;
}>('chat/messageReceived');

/** Our own send was stored (`message.ack`). */
export const messageAcked = createAction<{
  message: ChatMessage;
  clientMsgId: string;
  selfId: string;
  peerUsername?: string;
}>('chat/messageAcked');

/** Someone (us, on any device, or the peer) read a conversation up to `seq`. */
export const readReceived = createAction<{
  conversationId: string;
  readerId: string;
  seq: number;
  selfId: string;
}>('chat/readReceived');

/** The peer is typing; `receivedAt` is the local clock in ms, so reducers stay pure. */
export const typingReceived = createAction<{
  conversationId: string;
  userId: string;
  receivedAt: number;
}>('chat/typingReceived');

/** A message's vote counts changed (`message.votes`); `mine` is the receiving user's own vote. */
export const votesChanged = createAction<{
  conversationId: string;
  messageId: string;
  up: number;
  down: number;
  mine: 'up' | 'down' | null;
  /** The message's new `rev` (v2 servers). */
  rev?: number;
}>('chat/votesChanged');

/** A stored message changed (`message.updated`: an edit, a delete, a reaction); `mine` of its
 *  reactions is the receiving user's own. */
export const messageUpdated = createAction<{ message: ChatMessage; selfId: string }>('chat/messageUpdated');

/** The server refused a send for good (`content_too_long`, `not_found`, `invalid_field`, ...). */
export const sendFailed = createAction<{ clientMsgId: string; code: string; message: string }>(
  'chat/sendFailed',
);
