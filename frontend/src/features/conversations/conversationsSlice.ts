/**
 * The caller's conversations, most recently active first: peer, last-message preview, unread
 * badge, both read positions. Seeded by `GET /api/messages/conversations` (re-fetched after every
 * chat (re)connect, when the server's counts are the truth) and kept current by the chat events.
 *
 * Unread counting: a message from the peer newer than the held last message adds one; a read
 * mark of ours at or past the last message clears the badge. A message for a conversation the
 * list does not hold yet adds it (the chat client then re-fetches the list for the real counts).
 */
import {
  createAsyncThunk,
  createEntityAdapter,
  createSlice,
  current,
  type PayloadAction,
} from '@reduxjs/toolkit';
import { api, toApiErrorPayload, type ApiErrorPayload } from '../../api/client';
import type { ChatMessage, ConversationPage, ConversationSummary } from '../../api/types';
import { isSessionChange } from '../auth/sessionReset';
import { messageAcked, messageReceived, messageUpdated, peerOf, readReceived } from '../../events/chatEvents';
import { changesPageLoaded, isLaterVersion } from '../lifecycle/applyChanges';
import { catchUpPageLoaded } from '../messages/messagesSlice';
import { conversationRemoved, conversationUpdated, deliveredReceived } from '../../events/groupEvents';

export const CONVERSATIONS_PAGE_SIZE = 50;

/** Most recently active first, then by id so the order is total. */
function compareConversations(a: ConversationSummary, b: ConversationSummary): number {
  if (a.updatedAt !== b.updatedAt) return a.updatedAt < b.updatedAt ? 1 : -1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

const adapter = createEntityAdapter<ConversationSummary>({ sortComparer: compareConversations });

export type LoadStatus = 'idle' | 'loading' | 'succeeded' | 'failed';

export interface ConversationsState extends ReturnType<typeof adapter.getInitialState> {
  status: LoadStatus;
  error: ApiErrorPayload | null;
  nextCursor: string | null;
  /** conversationId → seqs of the peer's messages counted as unread live. A re-fetch's count
   *  covers messages up to its last message only; these add the ones that arrived after. */
  livePeerSeqs: Record<string, number[]>;
}

export const initialConversationsState: ConversationsState = adapter.getInitialState({
  status: 'idle',
  error: null,
  nextCursor: null,
  livePeerSeqs: {},
});

export const fetchConversations = createAsyncThunk.withTypes<{
  state: { conversations: ConversationsState };
  rejectValue: ApiErrorPayload;
}>()(
  'conversations/fetch',
  async (arg: { cursor?: string | null } | undefined, { rejectWithValue }) => {
    try {
      return await api.get<ConversationPage>('/api/messages/conversations', {
        query: { limit: CONVERSATIONS_PAGE_SIZE, cursor: arg?.cursor },
      });
    } catch (error) {
      return rejectWithValue(toApiErrorPayload(error));
    }
  },
);

/**
 * A re-fetched row against the one held. The answer may predate frames that arrived while it
 * was on its way, so nothing moves backwards: read positions only go forward, and a newer live
 * last message is kept. When our own read position is ahead of the server's answer, the unread
 * count is recomputed from it as `readReceived` does.
 */
/** Structural equality of two JSON values (what the API sends). */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const aKeys = Object.keys(a);
  if (aKeys.length !== Object.keys(b).length) return false;
  return aKeys.every(
    (key) => key in b && sameValue((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
  );
}

export function mergeSummary(
  held: ConversationSummary,
  fresh: ConversationSummary,
  livePeerSeqs: readonly number[] = [],
): ConversationSummary {
  const merged = { ...fresh };
  const listedUpTo = fresh.lastMessage?.seq ?? 0;
  if ((held.lastMessage?.seq ?? 0) > listedUpTo) {
    merged.lastMessage = held.lastMessage;
    merged.updatedAt = held.updatedAt;
  }
  if (fresh.peerLastReadSeq !== null) {
    merged.peerLastReadSeq = Math.max(held.peerLastReadSeq ?? 0, fresh.peerLastReadSeq);
  }
  if (fresh.peerLastDeliveredSeq != null) {
    merged.peerLastDeliveredSeq = Math.max(held.peerLastDeliveredSeq ?? 0, fresh.peerLastDeliveredSeq);
  }
  merged.lastDeliveredSeq = Math.max(held.lastDeliveredSeq ?? 0, fresh.lastDeliveredSeq ?? 0);
  merged.lastReadSeq = Math.max(held.lastReadSeq, fresh.lastReadSeq);
  const newest = merged.lastMessage?.seq ?? 0;
  if (held.lastReadSeq > fresh.lastReadSeq) {
    merged.unreadCount =
      held.lastReadSeq >= newest ? 0 : Math.max(0, Math.min(fresh.unreadCount, newest - held.lastReadSeq));
  }
  // The peer's messages that arrived after the server counted.
  merged.unreadCount += livePeerSeqs.filter((seq) => seq > listedUpTo && seq > merged.lastReadSeq).length;
  if (merged.peer && !merged.peer.username && held.peer?.username) merged.peer = held.peer;
  return merged;
}

/** The preview follows an edit or a delete of the conversation's last message. */
function followChangedMessage(state: ConversationsState, message: ChatMessage) {
  const conversation = state.entities[message.conversationId];
  const last = conversation?.lastMessage;
  if (conversation && last && last.id === message.id && isLaterVersion(message, last)) conversation.lastMessage = message;
}

function applyMessage(
  state: ConversationsState,
  message: ChatMessage,
  selfId: string,
  peerUsername: string | undefined,
  countUnread: boolean,
) {
  const conversation = state.entities[message.conversationId];
  // System messages never count as unread (contract §6).
  const fromPeer = message.senderId !== selfId && message.kind !== 'system';
  const counted = fromPeer && countUnread && message.seq > (conversation?.lastReadSeq ?? 0);
  const newer = !conversation?.lastMessage || message.seq > conversation.lastMessage.seq;
  if (counted && newer) {
    const live = (state.livePeerSeqs[message.conversationId] ??= []);
    live.push(message.seq);
    // Bounded: only the tail matters, and a re-fetch prunes it.
    if (live.length > 500) live.splice(0, live.length - 500);
  }
  if (!conversation) {
    // A group is not guessed from one message: the chat client fetches the list for it.
    if (message.receiverId === null) return;
    adapter.addOne(state, {
      id: message.conversationId,
      peer: { id: peerOf(message, selfId), username: peerUsername ?? '' },
      lastMessage: message,
      unreadCount: fromPeer && countUnread ? 1 : 0,
      lastReadSeq: 0,
      peerLastReadSeq: 0,
      updatedAt: message.createdAt,
    });
    return;
  }
  if (conversation.lastMessage && message.seq <= conversation.lastMessage.seq) return;
  const changes: Partial<ConversationSummary> = { lastMessage: message, updatedAt: message.createdAt };
  if (fromPeer && countUnread && message.seq > conversation.lastReadSeq) {
    changes.unreadCount = conversation.unreadCount + 1;
  }
  if (conversation.peer && !conversation.peer.username && peerUsername) {
    changes.peer = { ...conversation.peer, username: peerUsername };
  }
  adapter.updateOne(state, { id: conversation.id, changes });
}

const conversationsSlice = createSlice({
  name: 'conversations',
  initialState: initialConversationsState,
  reducers: {
    /** Fills in a peer's name learnt elsewhere (the directory). */
    peerNamed(state, action: PayloadAction<{ conversationId: string; username: string }>) {
      const conversation = state.entities[action.payload.conversationId];
      if (conversation?.peer && !conversation.peer.username) conversation.peer.username = action.payload.username;
    },
  },
  extraReducers: (builder) => {
    builder
      .addCase(fetchConversations.pending, (state) => {
        state.status = 'loading';
        state.error = null;
      })
      .addCase(fetchConversations.fulfilled, (state, action) => {
        const incoming = action.payload.conversations.map((fresh) => {
          const held = state.entities[fresh.id];
          const live = state.livePeerSeqs[fresh.id] ?? [];
          const listedUpTo = fresh.lastMessage?.seq ?? 0;
          const stillLive = live.filter((seq) => seq > listedUpTo);
          if (stillLive.length > 0) state.livePeerSeqs[fresh.id] = stillLive;
          else delete state.livePeerSeqs[fresh.id];
          return held ? mergeSummary(held, fresh, live) : fresh;
        });
        // Upsert, never replace: conversations a first-page re-fetch does not list are older ones
        // loaded by "show more", or brand new ones that raced the request; both stay. One that
        // did not change keeps its object (every socket open re-reads the list), so the list and
        // an open chat do not render again for nothing.
        adapter.upsertMany(
          state,
          incoming.filter((summary) => {
            const held = state.entities[summary.id];
            return !held || !sameValue(current(held), summary);
          }),
        );
        state.nextCursor = action.payload.nextCursor;
        state.status = 'succeeded';
      })
      .addCase(fetchConversations.rejected, (state, action) => {
        state.status = 'failed';
        state.error = action.payload ?? toApiErrorPayload(action.error);
      })
      .addCase(messageReceived, (state, action) => {
        const { message, selfId, peerUsername } = action.payload;
        applyMessage(state, message, selfId, peerUsername, true);
      })
      .addCase(messageAcked, (state, action) => {
        const { message, selfId, peerUsername } = action.payload;
        applyMessage(state, message, selfId, peerUsername, false);
      })
      .addCase(catchUpPageLoaded, (state, action) => {
        // Missed messages: the preview moves on; the unread count comes from the re-fetch
        // that follows every reconnect, so it is not guessed here.
        const last = action.payload.messages[action.payload.messages.length - 1];
        if (!last) return;
        const conversation = state.entities[last.conversationId];
        if (!conversation) return;
        if (conversation.lastMessage && last.seq <= conversation.lastMessage.seq) return;
        adapter.updateOne(state, {
          id: conversation.id,
          changes: { lastMessage: last, updatedAt: last.createdAt },
        });
      })
      .addCase(messageUpdated, (state, action) => {
        const { message, selfId } = action.payload;
        followChangedMessage(state, message);
        // A peer's unread message deleted stops counting (the server's count does the same;
        // the re-fetch after a reconnect has the final word). A delete is announced once.
        const conversation = state.entities[message.conversationId];
        if (
          conversation &&
          message.deletedAt &&
          message.senderId !== selfId &&
          message.seq > conversation.lastReadSeq &&
          conversation.unreadCount > 0
        ) {
          conversation.unreadCount -= 1;
        }
      })
      .addCase(changesPageLoaded, (state, action) => {
        for (const message of action.payload.messages) followChangedMessage(state, message);
      })
      .addCase(readReceived, (state, action) => {
        const { conversationId, readerId, seq, selfId } = action.payload;
        const conversation = state.entities[conversationId];
        if (!conversation) return;
        if (readerId !== selfId) {
          // A group's members' marks live in the groups slice.
          if (conversation.peerLastReadSeq !== null) {
            conversation.peerLastReadSeq = Math.max(conversation.peerLastReadSeq, seq);
          }
          return;
        }
        // Reading implies delivered.
        conversation.lastDeliveredSeq = Math.max(conversation.lastDeliveredSeq ?? 0, seq);
        if (seq <= conversation.lastReadSeq) return;
        conversation.lastReadSeq = seq;
        const live = state.livePeerSeqs[conversationId]?.filter((liveSeq) => liveSeq > seq);
        if (live && live.length > 0) state.livePeerSeqs[conversationId] = live;
        else delete state.livePeerSeqs[conversationId];
        const newest = conversation.lastMessage?.seq ?? 0;
        conversation.unreadCount =
          seq >= newest ? 0 : Math.max(0, Math.min(conversation.unreadCount, newest - seq));
      })
      .addCase(deliveredReceived, (state, action) => {
        const { conversationId, userId, seq, selfId } = action.payload;
        const conversation = state.entities[conversationId];
        if (!conversation) return;
        if (userId === selfId) {
          conversation.lastDeliveredSeq = Math.max(conversation.lastDeliveredSeq ?? 0, seq);
        } else if (conversation.peer) {
          conversation.peerLastDeliveredSeq = Math.max(conversation.peerLastDeliveredSeq ?? 0, seq);
        }
      })
      .addCase(conversationUpdated, (state, action) => {
        const fresh = action.payload.conversation;
        const held = state.entities[fresh.id];
        adapter.upsertOne(state, held ? mergeSummary(held, fresh, state.livePeerSeqs[fresh.id] ?? []) : fresh);
      })
      .addCase(conversationRemoved, (state, action) => {
        adapter.removeOne(state, action.payload.conversationId);
        delete state.livePeerSeqs[action.payload.conversationId];
      })
      .addMatcher(isSessionChange, () => initialConversationsState);
  },
});

export const { peerNamed } = conversationsSlice.actions;
export const conversationsReducer = conversationsSlice.reducer;

type WithConversations = { conversations: ConversationsState };
const selectors = adapter.getSelectors((state: WithConversations) => state.conversations);
export const selectConversations = selectors.selectAll;
export const selectConversationById = selectors.selectById;
export const selectConversationsStatus = (state: WithConversations) => state.conversations.status;
export const selectConversationsError = (state: WithConversations) => state.conversations.error;
export const selectConversationsNextCursor = (state: WithConversations) =>
  state.conversations.nextCursor;

/** The conversation with `peerId`, if the list holds it. */
export function selectConversationWithPeer(
  state: WithConversations,
  peerId: string,
): ConversationSummary | undefined {
  const { ids, entities } = state.conversations;
  for (const id of ids) {
    const conversation = entities[id];
    if (conversation?.peer?.id === peerId) return conversation;
  }
  return undefined;
}

export const selectTotalUnread = (state: WithConversations) =>
  state.conversations.ids.reduce(
    (sum, id) => sum + (state.conversations.entities[id]?.unreadCount ?? 0),
    0,
  );
