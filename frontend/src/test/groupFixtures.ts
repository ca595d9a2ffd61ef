import type { ChatMessage, ConversationSummary, GroupMember, GroupRole, SystemInfo } from '../api/types';
import { ALICE, BOB, CAROL } from './chatFixtures';

export const GROUP = 'a1a1a1a1-0000-4000-8000-00000000a001';

/** A group alice, bob and carol are in, as alice sees it. */
export function group(overrides: Partial<ConversationSummary> = {}): ConversationSummary {
  return {
    id: GROUP,
    kind: 'group',
    name: 'Team',
    topic: null,
    peer: null,
    memberCount: 3,
    myRole: 'owner',
    rev: 1,
    lastMessage: null,
    unreadCount: 0,
    lastReadSeq: 0,
    lastDeliveredSeq: 0,
    peerLastReadSeq: null,
    peerLastDeliveredSeq: null,
    createdAt: '2025-01-01T12:00:00.000Z',
    updatedAt: '2025-01-01T12:00:00.000Z',
    ...overrides,
  };
}

/** A user message in the group; from bob unless told. */
export function groupMessage(seq: number, overrides: Partial<ChatMessage> = {}): ChatMessage {
  return {
    id: `g-${seq}`,
    conversationId: GROUP,
    seq,
    senderId: BOB,
    receiverId: null,
    kind: 'user',
    system: null,
    content: `group message ${seq}`,
    createdAt: new Date(Date.UTC(2025, 0, 1, 12, 0, seq)).toISOString(),
    votes: { up: 0, down: 0, mine: null },
    ...overrides,
  };
}

export function systemMessage(seq: number, system: SystemInfo): ChatMessage {
  return groupMessage(seq, { kind: 'system', system, senderId: system.actorId, content: '' });
}

export function member(id: string, username: string, role: GroupRole, read = 0, delivered = read): GroupMember {
  return { user: { id, username }, role, joinedAt: '2025-01-01T12:00:00.000Z', lastReadSeq: read, lastDeliveredSeq: delivered };
}

export const MEMBERS = [member(ALICE, 'alice', 'owner'), member(BOB, 'bob', 'member'), member(CAROL, 'carol', 'member')];
