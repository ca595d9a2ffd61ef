import type { ChatMessage, ConversationSummary } from '../api/types';
import { aliceUser } from './fetchMock';

export const ALICE = aliceUser.id;
export const BOB = 'b0b0b0b0-0000-4000-8000-000000000002';
export const CAROL = 'c0c0c0c0-0000-4000-8000-000000000003';
export const CONV_AB = 'c0ffee00-0000-4000-8000-0000000000ab';

/** A stored message in the alice–bob conversation; `from` defaults to bob. */
export function message(seq: number, overrides: Partial<ChatMessage> = {}): ChatMessage {
  const senderId = overrides.senderId ?? BOB;
  return {
    id: `m-${overrides.conversationId ?? CONV_AB}-${seq}`,
    conversationId: CONV_AB,
    seq,
    senderId,
    receiverId: senderId === ALICE ? BOB : ALICE,
    content: `message ${seq}`,
    createdAt: new Date(Date.UTC(2025, 0, 1, 12, 0, seq)).toISOString(),
    votes: { up: 0, down: 0, mine: null },
    ...overrides,
  };
}

export function mine(seq: number, overrides: Partial<ChatMessage> = {}): ChatMessage {
  return message(seq, { senderId: ALICE, receiverId: BOB, ...overrides });
}

export function conversation(overrides: Partial<ConversationSummary> = {}): ConversationSummary {
  return {
    id: CONV_AB,
    peer: { id: BOB, username: 'bob' },
    lastMessage: null,
    unreadCount: 0,
    lastReadSeq: 0,
    peerLastReadSeq: 0,
    updatedAt: '2025-01-01T12:00:00.000Z',
    ...overrides,
  };
}

/** Signed in as alice, for `makeStore(preloadedState)`. */
export const signedInAsAlice = {
  auth: { user: aliceUser, session: 'authenticated' as const, pending: null, error: null, notice: null },
};
