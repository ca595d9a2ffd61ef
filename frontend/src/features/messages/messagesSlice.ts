/**
 * Messages per conversation, keyed by the other participant (see `thread.ts`), with our own
 * optimistic sends. Own messages move pending → sent (acked, in `ids`) → read (the peer's read
 * position reached their seq; that position lives in the conversations slice) — or pending →
 * failed, with retry and discard.
 *
 * Loading policy: a thread is loaded (newest page) when opened; older pages on demand
 * (`before=<oldest seq>`); a gap, or any (re)connect, triggers `catchUp` (`after=<syncedSeq>`,
 * paged until `hasMore` is false). Live messages for threads never opened are not kept here:
 * opening them loads the newest page anyway.
 *
 * Votes: each message holds the server's counts and our own vote (history, then every
 * `message.votes` frame). A click shows its predicted outcome at once (`voteIntents`) and sends
 * `message.vote`; the server's answer replaces the prediction, and a refusal, a timeout or a lost
 * connection drops it, so the display always ends on the server's counts. After a reconnect the
 * newest page is re-read for votes cast while we were away (`refreshVotes`).
 */
import { createAction, createAsyncThunk, createSlice, type PayloadAction } from '@reduxjs/toolkit';
import { api, toApiErrorPayload, type ApiErrorPayload } from '../../api/client';
import type { Attachment, ChatMessage, MessagePage, ReplyRef } from '../../api/types';
import type { AuthState } from '../auth/authSlice';
import { isSessionChange } from '../auth/sessionReset';
import {
  messageAcked,
  messageReceived,
  messageUpdated,
  peerOf,
  readReceived,
  sendFailed,
  votesChanged,
} from '../../events/chatEvents';
import type { ThunkExtra } from '../realtime/chatGateway';
import { applyLateChanges, applyOrKeepChange, changesPageLoaded, keepLateVotes } from '../lifecycle/applyChanges';

import { holdAroundPage } from '../search/aroundPage';
import type { AroundPage } from '../search/types';
import {
  advanceSyncedSeq,
  displayedVotes,
  emptyThread,
  insertMessage,
  isGap,
  oldestSeq,
  settlePending,
  voteAfterCasting,
  type OwnVote,
  type PendingMessage,
  type Thread,
  type VoteDirection,
} from './thread';

export const HISTORY_PAGE_SIZE = 50;
export const CATCH_UP_PAGE_SIZE = 100;
/** Contract: content is 1 to 4,000 characters (Unicode code points) after trimming. */
export const MAX_MESSAGE_CHARS = 4000;

/** Characters as the server counts them: code points of the trimmed text. */
export function messageLength(content: string): number {
  return [...content.trim()].length;
}

export interface MessagesState {
  threads: Record<string, Thread>;
}

export const initialMessagesState: MessagesState = { threads: {} };

type ThunkState = { messages: MessagesState; auth: AuthState };

const createMessagesThunk = createAsyncThunk.withTypes<{
  state: ThunkState;
  rejectValue: ApiErrorPayload;
  extra: ThunkExtra;
}>();

/**
 * Where a thread's history is. A direct thread is keyed by the peer (its conversation may not
 * exist yet); a group's thread by the conversation itself, which `isGroupThread` tells.
 */
function historyPath(state: MessagesState, key: string, group = isGroupThread(state.threads[key], key)): string {
  return group
    ? `/api/messages/conversations/${encodeURIComponent(key)}/messages`
    : `/api/messages/with/${encodeURIComponent(key)}`;
}

/** A group's thread is keyed by its conversation id (see `peerOf`). */
function isGroupThread(thread: Thread | undefined, key: string): boolean {
  return thread?.conversationId === key;
}

/** The newest page of the conversation with `peerId` (empty before its first message); `group`:
 *  `peerId` is a group's conversation id. */
export const loadThread = createMessagesThunk(
  'messages/loadThread',
  async ({ peerId, group }: { peerId: string; group?: boolean }, { getState, rejectWithValue }) => {
    try {
      return await api.get<MessagePage>(historyPath(getState().messages, peerId, group), {
        query: { limit: HISTORY_PAGE_SIZE },
      });
    } catch (error) {
      return rejectWithValue(toApiErrorPayload(error));
    }
  },
  {
    condition: ({ peerId }, { getState }) => getState().messages.threads[peerId]?.status !== 'loading',
  },
);

/** The page just before the oldest held message. */
export const loadOlder = createMessagesThunk(
  'messages/loadOlder',
  async ({ peerId }: { peerId: string }, { getState, rejectWithValue }) => {
    const thread = getState().messages.threads[peerId];
    const before = thread ? oldestSeq(thread) : null;
    if (before === null) return { messages: [], hasMore: false } satisfies MessagePage;
    try {
      return await api.get<MessagePage>(historyPath(getState().messages, peerId), {
        query: { before, limit: HISTORY_PAGE_SIZE },
      });
    } catch (error) {
      return rejectWithValue(toApiErrorPayload(error));
    }
  },
  {
    condition: ({ peerId }, { getState }) => {
      const thread = getState().messages.threads[peerId];
      return !!thread && thread.status === 'ready' && thread.hasOlder && !thread.loadingOlder;
    },
  },
);

/** A page of messages after `syncedSeq`, fetched by `catchUp`. */
export const catchUpPageLoaded = createAction<{ peerId: string; messages: ChatMessage[] }>(
  'messages/catchUpPageLoaded',
);

/** Safety valve: a catch-up that makes no progress must not loop forever. */
const MAX_CATCH_UP_PAGES = 1_000;

/**
 * Fetches everything after `syncedSeq` (`after=`), page by page until `hasMore` is false, and
 * again if a new gap appeared meanwhile. Resolves to the number of messages that were new.
 */
export const catchUp = createMessagesThunk(
  'messages/catchUp',
  async ({ peerId }: { peerId: string }, { dispatch, getState, rejectWithValue }) => {
    let added = 0;
    for (let page = 0; page < MAX_CATCH_UP_PAGES; page += 1) {
      const before = getState().messages.threads[peerId];
      if (!before || before.status !== 'ready') break;
      const after = before.syncedSeq;
      let answer: MessagePage;
      try {
        answer = await api.get<MessagePage>(historyPath(getState().messages, peerId), {
          query: { after, limit: CATCH_UP_PAGE_SIZE },
        });
      } catch (error) {
        return rejectWithValue(toApiErrorPayload(error));
      }
      const heldBefore = before.ids.length;
      dispatch(catchUpPageLoaded({ peerId, messages: answer.messages }));
      const now = getState().messages.threads[peerId];
      if (!now) break;
      added += now.ids.length - heldBefore;
      const progressed = now.syncedSeq > after;
      if (answer.hasMore && progressed) continue;
      // Done, unless a live message opened a new gap while we were fetching.
      if (!now.gapDetected || !progressed) break;
    }
    return added;
  },
  {
    condition: ({ peerId }, { getState }) => {
      const thread = getState().messages.threads[peerId];
      return !!thread && thread.status === 'ready' && !thread.catchingUp;
    },
  },
);

/** Opens a conversation: the newest page the first time, a catch-up after that. */
export const openThread = createMessagesThunk(
  'messages/openThread',
  async ({ peerId, group }: { peerId: string; group?: boolean }, { dispatch, getState }) => {
    const thread = getState().messages.threads[peerId];
    if (!thread || thread.status === 'idle' || thread.status === 'failed') {
      await dispatch(loadThread(group ? { peerId, group } : { peerId }));
    } else if (thread.status === 'ready') {
      await dispatch(catchUp({ peerId }));
    }
    const loaded = getState().messages.threads[peerId];
    if (loaded?.gapDetected) await dispatch(catchUp({ peerId }));
  },
);

/** `message.send`'s addressee: the person of a direct thread, the conversation of a group's. */
function sendTarget(state: MessagesState, key: string): { to: string } | { conversationId: string } {
  return isGroupThread(state.threads[key], key) ? { conversationId: key } : { to: key };
}

/** A page centred on a message arrived (see `holdAroundPage`). */
export const aroundPageLoaded = createAction<{ peerId: string; page: AroundPage }>('messages/aroundPageLoaded');

/**
 * Opens the conversation with `peerId` at message `seq` (a search hit): the page around it
 * (`around=`), unless it is held already, then the newer messages up to the newest (catch-up).
 */
export const openThreadAt = createMessagesThunk(
  'messages/openThreadAt',
  async (
    { peerId, conversationId, seq }: { peerId: string; conversationId: string; seq: number },
    { dispatch, rejectWithValue },
  ) => {
    let page: AroundPage;
    try {
      page = await api.get<AroundPage>(`/api/messages/conversations/${encodeURIComponent(conversationId)}/messages`, {
        query: { around: seq, limit: HISTORY_PAGE_SIZE },
      });
    } catch (error) {
      return rejectWithValue(toApiErrorPayload(error));
    }
    dispatch(aroundPageLoaded({ peerId, page }));
    if (page.hasMoreAfter) await dispatch(catchUp({ peerId }));
  },
  {
    // Held already: nothing to load. A newest page on its way would not know about a hole.
    condition: ({ peerId, seq }, { getState }) => {
      const thread = getState().messages.threads[peerId];
      return !thread || (thread.idBySeq[seq] === undefined && thread.status !== 'loading');
    },
  },
);

/** Shows the message at once (pending) and hands it to the chat socket's outbox. */
export const sendMessage = createMessagesThunk(
  'messages/send',
  async (
    {
      peerId,
      content,
      replyTo,
      attachments = [],
    }: { peerId: string; content: string; replyTo?: ReplyRef; attachments?: Attachment[] },
    { dispatch, getState, extra },
  ) => {
    const clientMsgId = crypto.randomUUID();
    const createdAt = new Date().toISOString();
    dispatch(
      messageQueued({ peerId, clientMsgId, content, createdAt, attachments, ...(replyTo ? { replyTo } : {}) }),
    );
    extra.chat.send({
      clientMsgId,
      content,
      ...sendTarget(getState().messages, peerId),
      ...(replyTo ? { replyTo: replyTo.id } : {}),
      ...attachmentIdsOf(attachments),
    });
    return clientMsgId;
  },
);

/** Sends a failed message again, with the same `clientMsgId` (the server dedupes). */
export const retrySend = createMessagesThunk(
  'messages/retry',
  async ({ peerId, clientMsgId }: { peerId: string; clientMsgId: string }, { dispatch, getState, extra }) => {
    const pending = getState().messages.threads[peerId]?.pending.find((p) => p.clientMsgId === clientMsgId);
    if (!pending) return;
    dispatch(retryRequested({ peerId, clientMsgId }));
    const replyTo = pending.replyTo?.id;
    extra.chat.send({
      clientMsgId,
      content: pending.content,
      ...sendTarget(getState().messages, peerId),
      ...(replyTo ? { replyTo } : {}),
      ...attachmentIdsOf(pending.attachments ?? []),
    });
  },
);

/** The send frame's `attachmentIds`, only when there are any (a v1 server knows no such field). */
function attachmentIdsOf(attachments: Attachment[]): { attachmentIds?: string[] } {
  return attachments.length > 0 ? { attachmentIds: attachments.map((a) => a.id) } : {};
}

export const discardSend = createMessagesThunk(
  'messages/discard',
  async ({ peerId, clientMsgId }: { peerId: string; clientMsgId: string }, { dispatch, extra }) => {
    extra.chat.discard(clientMsgId);
    dispatch(pendingDiscarded({ peerId, clientMsgId }));
  },
);

/** Casts a vote on a stored message: shows the predicted outcome at once and sends it. Resolves
 *  to whether it went out (not while the chat socket is down). */
export const castVote = createMessagesThunk(
  'messages/castVote',
  async (
    { peerId, messageId, vote }: { peerId: string; messageId: string; vote: VoteDirection },
    { dispatch, getState, extra },
  ) => {
    const thread = getState().messages.threads[peerId];
    const message = thread?.byId[messageId];
    if (!thread || !message) return false;
    const shown = displayedVotes(message.votes, thread.voteIntents[messageId]);
    if (!extra.chat.vote(messageId, vote)) return false;
    dispatch(voteIntended({ peerId, messageId, mine: voteAfterCasting(shown.mine, vote) }));
    return true;
  },
);

/**
 * Re-reads the newest page of a loaded thread for its vote counts only (after a reconnect: the
 * `message.votes` frames sent while we were away are lost). Messages are not added here; that is
 * `catchUp`'s job, which keeps the seq bookkeeping.
 */
export const refreshVotes = createMessagesThunk(
  'messages/refreshVotes',
  async ({ peerId }: { peerId: string }, { dispatch, getState, rejectWithValue }) => {
    try {
      const page = await api.get<MessagePage>(historyPath(getState().messages, peerId), {
        query: { limit: HISTORY_PAGE_SIZE },
      });
      dispatch(votesRefreshed({ peerId, messages: page.messages }));
    } catch (error) {
      return rejectWithValue(toApiErrorPayload(error));
    }
  },
  {
    condition: ({ peerId }, { getState }) => getState().messages.threads[peerId]?.status === 'ready',
  },
);

/** The thread holding this message, if any. */
function threadHolding(state: MessagesState, messageId: string): Thread | undefined {
  for (const thread of Object.values(state.threads)) {
    if (thread.byId[messageId]) return thread;
  }
  return undefined;
}

function threadFor(state: MessagesState, peerId: string): Thread {
  let thread = state.threads[peerId];
  if (!thread) {
    thread = emptyThread(peerId);
    state.threads[peerId] = thread;
  }
  return thread;
}

/** Where a stored message goes; returns the thread when it is one we keep messages for. */
function applyStored(state: MessagesState, message: ChatMessage, selfId: string, clientMsgId?: string) {
  const peerId = peerOf(message, selfId);
  const thread = state.threads[peerId];
  if (!thread) return;
  if (clientMsgId && settlePending(thread, clientMsgId)) {
    thread.clientIdByMessageId[message.id] = clientMsgId;
  }
  thread.conversationId ??= message.conversationId;
  // An idle or failed thread will load the newest page when opened; do not hold a fragment.
  if (thread.status !== 'ready' && thread.status !== 'loading') return;
  // Older than the held window with more before it: it belongs to a page not loaded yet.
  const oldest = oldestSeq(thread);
  if (thread.hasOlder && oldest !== null && message.seq < oldest) return;
  const gap = isGap(thread.syncedSeq, message.seq);
  insertMessage(thread, message);
  if (thread.status === 'ready') {
    advanceSyncedSeq(thread);
    if (gap) thread.gapDetected = true;
  }
}

const messagesSlice = createSlice({
  name: 'messages',
  initialState: initialMessagesState,
  reducers: {
    messageQueued(
      state,
      action: PayloadAction<{
        peerId: string;
        clientMsgId: string;
        content: string;
        createdAt: string;
        replyTo?: ReplyRef;
        attachments?: Attachment[];
      }>,
    ) {
      const { peerId, clientMsgId, content, createdAt, replyTo, attachments } = action.payload;
      const pending: PendingMessage = {
        clientMsgId,
        peerId,
        content,
        attachments: attachments ?? [],
        createdAt,
        status: 'pending',
        error: null,
        ...(replyTo ? { replyTo } : {}),
      };
      threadFor(state, peerId).pending.push(pending);
    },
    retryRequested(state, action: PayloadAction<{ peerId: string; clientMsgId: string }>) {
      const pending = state.threads[action.payload.peerId]?.pending.find(
        (p) => p.clientMsgId === action.payload.clientMsgId,
      );
      if (!pending) return;
      pending.status = 'pending';
      pending.error = null;
    },
    pendingDiscarded(state, action: PayloadAction<{ peerId: string; clientMsgId: string }>) {
      const thread = state.threads[action.payload.peerId];
      if (thread) settlePending(thread, action.payload.clientMsgId);
    },
    /** A vote went out: show the own vote we expect once the server has answered it. */
    voteIntended(state, action: PayloadAction<{ peerId: string; messageId: string; mine: OwnVote }>) {
      const { peerId, messageId, mine } = action.payload;
      const thread = state.threads[peerId];
      if (!thread?.byId[messageId]) return;
      delete thread.voteErrors[messageId];
      const awaiting = (thread.voteIntents[messageId]?.awaiting ?? 0) + 1;
      thread.voteIntents[messageId] = { mine, awaiting };
    },
    /**
     * Our votes on these messages will not be answered (refused, timed out, connection lost):
     * show the server's last counts again, with `error` when the server said why.
     */
    voteIntentsDropped(state, action: PayloadAction<{ messageIds: string[]; error?: string }>) {
      const { messageIds, error } = action.payload;
      for (const messageId of messageIds) {
        const thread = threadHolding(state, messageId);
        if (!thread) continue;
        delete thread.voteIntents[messageId];
        if (error) thread.voteErrors[messageId] = error;
      }
    },
    /** Fresh counts from history for messages already held (see `refreshVotes`). */
    votesRefreshed(state, action: PayloadAction<{ peerId: string; messages: ChatMessage[] }>) {
      const thread = state.threads[action.payload.peerId];
      if (!thread) return;
      for (const message of action.payload.messages) {
        const held = thread.byId[message.id];
        if (held) held.votes = message.votes;
      }
    },
  },
  extraReducers: (builder) => {
    builder
      .addCase(loadThread.pending, (state, action) => {
        const thread = threadFor(state, action.meta.arg.peerId);
        if (action.meta.arg.group) thread.conversationId = action.meta.arg.peerId;
        thread.status = 'loading';
        thread.error = null;
      })
      .addCase(loadThread.fulfilled, (state, action) => {
        const thread = threadFor(state, action.meta.arg.peerId);
        const { messages, hasMore } = action.payload;
        for (const message of messages) insertMessage(thread, message);
        const first = messages[0];
        // The newest page is complete from its first message to the newest stored one.
        if (first) thread.syncedSeq = Math.max(thread.syncedSeq, first.seq - 1);
        thread.hasOlder = hasMore;
        thread.status = 'ready';
        advanceSyncedSeq(thread);
        applyLateChanges(thread);
      })
      .addCase(loadThread.rejected, (state, action) => {
        const thread = threadFor(state, action.meta.arg.peerId);
        thread.status = 'failed';
        thread.error = action.payload ?? toApiErrorPayload(action.error);
        applyLateChanges(thread);
      })
      .addCase(loadOlder.pending, (state, action) => {
        const thread = state.threads[action.meta.arg.peerId];
        if (thread) thread.loadingOlder = true;
      })
      .addCase(loadOlder.fulfilled, (state, action) => {
        const thread = state.threads[action.meta.arg.peerId];
        if (!thread) return;
        for (const message of action.payload.messages) insertMessage(thread, message);
        thread.hasOlder = action.payload.hasMore;
        thread.loadingOlder = false;
        applyLateChanges(thread);
      })
      .addCase(loadOlder.rejected, (state, action) => {
        const thread = state.threads[action.meta.arg.peerId];
        if (!thread) return;
        thread.loadingOlder = false;
        applyLateChanges(thread);
      })
      .addCase(openThreadAt.pending, (state, action) => {
        const thread = threadFor(state, action.meta.arg.peerId);
        if (thread.status === 'ready') return;
        thread.status = 'loading';
        thread.error = null;
      })
      .addCase(openThreadAt.rejected, (state, action) => {
        const thread = state.threads[action.meta.arg.peerId];
        if (!thread || thread.status !== 'loading') return;
        thread.status = 'failed';
        thread.error = action.payload ?? toApiErrorPayload(action.error);
        applyLateChanges(thread);
      })
      .addCase(aroundPageLoaded, (state, action) => {
        const thread = threadFor(state, action.payload.peerId);
        holdAroundPage(thread, action.payload.page);
        applyLateChanges(thread);
      })
      .addCase(catchUp.pending, (state, action) => {
        const thread = state.threads[action.meta.arg.peerId];
        if (thread) thread.catchingUp = true;
      })
      .addCase(catchUp.fulfilled, (state, action) => {
        const thread = state.threads[action.meta.arg.peerId];
        if (!thread) return;
        thread.catchingUp = false;
        applyLateChanges(thread);
      })
      .addCase(catchUp.rejected, (state, action) => {
        const thread = state.threads[action.meta.arg.peerId];
        if (!thread) return;
        thread.catchingUp = false;
        applyLateChanges(thread);
      })
      .addCase(catchUpPageLoaded, (state, action) => {
        const thread = state.threads[action.payload.peerId];
        if (!thread) return;
        for (const message of action.payload.messages) insertMessage(thread, message);
        advanceSyncedSeq(thread);
        applyLateChanges(thread);
      })
      .addCase(messageReceived, (state, action) => {
        const { message, selfId, clientMsgId } = action.payload;
        applyStored(state, message, selfId, clientMsgId);
      })
      .addCase(messageAcked, (state, action) => {
        const { message, selfId, clientMsgId } = action.payload;
        applyStored(state, message, selfId, clientMsgId);
      })
      .addCase(sendFailed, (state, action) => {
        for (const thread of Object.values(state.threads)) {
          const pending = thread.pending.find((p) => p.clientMsgId === action.payload.clientMsgId);
          if (!pending) continue;
          pending.status = 'failed';
          pending.error = { code: action.payload.code, message: action.payload.message };
          return;
        }
      })
      .addCase(votesChanged, (state, action) => {
        const { messageId, up, down, mine } = action.payload;
        const thread = threadHolding(state, messageId);
        const message = thread?.byId[messageId];
        if (!thread || !message) {
          const { conversationId, rev } = action.payload;
          const inConversation = Object.values(state.threads).find((t) => t.conversationId === conversationId);
          if (inConversation) keepLateVotes(inConversation, messageId, { up, down, mine }, rev);
          return;
        }
        const intent = thread.voteIntents[messageId];
        // Our `mine` moved: this answers one of our votes (the peer's never move it).
        if (intent && mine !== message.votes.mine) {
          intent.awaiting -= 1;
          if (intent.awaiting <= 0) delete thread.voteIntents[messageId];
        }
        message.votes = { up, down, mine };
        const { rev } = action.payload;
        if (rev !== undefined && rev > (message.rev ?? 0)) message.rev = rev;
        delete thread.voteErrors[messageId];
      })
      .addCase(messageUpdated, (state, action) => {
        const { message, selfId } = action.payload;
        const thread = threadHolding(state, message.id) ?? state.threads[peerOf(message, selfId)];
        if (thread) applyOrKeepChange(thread, message);
      })
      .addCase(changesPageLoaded, (state, action) => {
        const { conversationId } = action.payload;
        const inConversation = Object.values(state.threads).find((t) => t.conversationId === conversationId);
        for (const message of action.payload.messages) {
          const thread = threadHolding(state, message.id) ?? inConversation;
          if (thread) applyOrKeepChange(thread, message);
        }
      })
      .addMatcher(isSessionChange, () => initialMessagesState);
  },
});

export const {
  messageQueued,
  retryRequested,
  pendingDiscarded,
  voteIntended,
  voteIntentsDropped,
  votesRefreshed,
} = messagesSlice.actions;
export const messagesReducer = messagesSlice.reducer;

type WithMessages = { messages: MessagesState };
export const selectThread = (state: WithMessages, peerId: string): Thread | undefined =>
  state.messages.threads[peerId];
/** Whether a vote of ours on this message still awaits the server's answer. */
export const selectHasVoteIntent = (state: WithMessages, messageId: string): boolean => {
  const thread = threadHolding(state.messages, messageId);
  return !!thread && thread.voteIntents[messageId] !== undefined;
};
/** Peers whose threads hold messages (and so need a catch-up after a reconnect). */
export const selectLoadedPeerIds = (state: WithMessages): string[] =>
  Object.values(state.messages.threads)
    .filter((thread) => thread.status === 'ready')
    .map((thread) => thread.peerId);

/** Marks a conversation read up to `seq`: locally at once, and on the server via the socket. */
export const markConversationRead = createMessagesThunk(
  'messages/markRead',
  async (
    { conversationId, seq }: { conversationId: string; seq: number },
    { dispatch, getState, extra },
  ) => {
    const selfId = getState().auth.user?.id;
    if (!selfId) return;
    extra.chat.markRead(conversationId, seq);
    dispatch(readReceived({ conversationId, readerId: selfId, seq, selfId }));
  },
);

/** Tells the peer we are typing (the composer calls it at most every `TYPING_SEND_INTERVAL_MS`). */
export const sendTyping = createMessagesThunk(
  'messages/typing',
  async ({ conversationId }: { conversationId: string }, { extra }) => {
    extra.chat.typing(conversationId);
  },
);

export const TYPING_SEND_INTERVAL_MS = 2_000;
