/**
 * The message lifecycle on the client (contract §7): the `rev` watermark of each conversation
 * (see `applyChanges.ts` for when it moves), the reply being written per thread, the message
 * being edited inline, and our edits, deletes and reactions on their way to the server.
 *
 * The messages themselves live in the messages slice; a `message.updated` frame or a page of
 * the change feed replaces the held copy there (by `rev`). Requests here are only for display:
 * an edit shows its new text ("Saving…") until the server's copy says so, a refusal (an
 * `error` frame echoing the request's `requestId`) shows under the message, and a request the
 * server does not answer (timeout, lost connection) is simply dropped: the held copy is the
 * truth, and the change feed after a reconnect brings whatever did happen.
 */
import { createSlice, type PayloadAction } from '@reduxjs/toolkit';
import type { ReplyRef } from '../../api/types';
import { isSessionChange } from '../auth/sessionReset';
import { messageAcked, messageReceived, messageUpdated, votesChanged } from '../../events/chatEvents';
import { loadThread } from '../messages/messagesSlice';
import { changesPageLoaded, highestRev, isDeleted, raiseRev } from './applyChanges';

export type LifecycleAction = 'edit' | 'delete' | 'react';

export interface LifecycleRequest {
  messageId: string;
  action: LifecycleAction;
  /** The new text of an edit. */
  content?: string;
  /** The emoji of a reaction. */
  emoji?: string;
}

/** Where focus goes when the inline editor closes: the composer (Up arrow) or the message's
 *  actions button (the menu). */
export type EditOrigin = 'composer' | 'actions';

export interface LifecycleState {
  /** conversationId → the highest `rev` up to which we hold every change. */
  revs: Record<string, number>;
  /** thread key (the chat's peer) → the message the composer's reply answers. */
  replyDrafts: Record<string, ReplyRef>;
  editing: { messageId: string; origin: EditOrigin } | null;
  /** requestId → our change awaiting the server's answer. */
  requests: Record<string, LifecycleRequest>;
  /** messageId → why our last change of it was refused. */
  errors: Record<string, string>;
  /** A quote was clicked: show (and focus) this message once it is loaded. */
  jump: { threadKey: string; messageId: string } | null;
}

export const initialLifecycleState: LifecycleState = {
  revs: {},
  replyDrafts: {},
  editing: null,
  requests: {},
  errors: {},
  jump: null,
};

/** Whether the server's copy answers this request (an edit's text, a delete's tombstone; any
 *  change answers a reaction, whose result is the server's counts anyway). */
function answers(request: LifecycleRequest, message: { content: string; deletedAt?: string | null }): boolean {
  if (isDeleted(message)) return true;
  if (request.action === 'edit') return message.content === request.content;
  return request.action === 'react';
}

const lifecycleSlice = createSlice({
  name: 'lifecycle',
  initialState: initialLifecycleState,
  reducers: {
    replyStarted(state, action: PayloadAction<{ threadKey: string; reply: ReplyRef }>) {
      state.replyDrafts[action.payload.threadKey] = action.payload.reply;
    },
    replyCancelled(state, action: PayloadAction<{ threadKey: string }>) {
      delete state.replyDrafts[action.payload.threadKey];
    },
    editStarted(state, action: PayloadAction<{ messageId: string; origin: EditOrigin }>) {
      state.editing = action.payload;
      delete state.errors[action.payload.messageId];
    },
    editEnded(state) {
      state.editing = null;
    },
    requestSent(state, action: PayloadAction<{ requestId: string; request: LifecycleRequest }>) {
      const { requestId, request } = action.payload;
      state.requests[requestId] = request;
      delete state.errors[request.messageId];
    },
    /** The server refused it (`error` with its requestId). */
    requestFailed(state, action: PayloadAction<{ requestId: string; error: string }>) {
      const request = state.requests[action.payload.requestId];
      if (!request) return;
      delete state.requests[action.payload.requestId];
      state.errors[request.messageId] = action.payload.error;
    },
    /** No answer will come (timeout, the socket closed), or it came some other way. */
    requestsDropped(state, action: PayloadAction<{ requestIds: string[] }>) {
      for (const requestId of action.payload.requestIds) delete state.requests[requestId];
    },
    /** A change could not go out at all (offline, invalid). */
    changeRefusedLocally(state, action: PayloadAction<{ messageId: string; error: string }>) {
      state.errors[action.payload.messageId] = action.payload.error;
    },
    errorDismissed(state, action: PayloadAction<{ messageId: string }>) {
      delete state.errors[action.payload.messageId];
    },
    jumpRequested(state, action: PayloadAction<{ threadKey: string; messageId: string }>) {
      state.jump = action.payload;
    },
    jumpDone(state) {
      state.jump = null;
    },
  },
  extraReducers: (builder) => {
    builder
      .addCase(messageReceived, (state, action) => {
        const { message } = action.payload;
        raiseRev(state.revs, message.conversationId, message.rev);
      })
      .addCase(messageAcked, (state, action) => {
        const { message } = action.payload;
        raiseRev(state.revs, message.conversationId, message.rev);
      })
      .addCase(votesChanged, (state, action) => {
        raiseRev(state.revs, action.payload.conversationId, action.payload.rev);
      })
      .addCase(messageUpdated, (state, action) => {
        const { message } = action.payload;
        raiseRev(state.revs, message.conversationId, message.rev);
        for (const [requestId, request] of Object.entries(state.requests)) {
          if (request.messageId === message.id && answers(request, message)) delete state.requests[requestId];
        }
        if (isDeleted(message) && state.editing?.messageId === message.id) state.editing = null;
      })
      .addCase(changesPageLoaded, (state, action) => {
        raiseRev(state.revs, action.payload.conversationId, action.payload.rev);
      })
      .addCase(loadThread.fulfilled, (state, action) => {
        const first = action.payload.messages[0];
        if (!first || state.revs[first.conversationId] !== undefined) return;
        const rev = highestRev(action.payload.messages);
        if (rev > 0) state.revs[first.conversationId] = rev;
      })
      .addMatcher(isSessionChange, () => initialLifecycleState);
  },
});

export const {
  replyStarted,
  replyCancelled,
  editStarted,
  editEnded,
  requestSent,
  requestFailed,
  requestsDropped,
  changeRefusedLocally,
  errorDismissed,
  jumpRequested,
  jumpDone,
} = lifecycleSlice.actions;
export const lifecycleReducer = lifecycleSlice.reducer;

type WithLifecycle = { lifecycle: LifecycleState };

export const selectRev = (state: WithLifecycle, conversationId: string): number | undefined =>
  state.lifecycle.revs[conversationId];
export const selectReplyDraft = (state: WithLifecycle, threadKey: string): ReplyRef | undefined =>
  state.lifecycle.replyDrafts[threadKey];
export const selectIsEditing = (state: WithLifecycle, messageId: string): boolean =>
  state.lifecycle.editing?.messageId === messageId;
export const selectLifecycleError = (state: WithLifecycle, messageId: string): string | undefined =>
  state.lifecycle.errors[messageId];

/** Our change of this message still on its way (the latest of each kind), for display. */
export function selectPendingChange(
  state: WithLifecycle,
  messageId: string,
  action: LifecycleAction,
): LifecycleRequest | undefined {
  let found: LifecycleRequest | undefined;
  for (const request of Object.values(state.lifecycle.requests)) {
    if (request.messageId === messageId && request.action === action) found = request;
  }
  return found;
}
