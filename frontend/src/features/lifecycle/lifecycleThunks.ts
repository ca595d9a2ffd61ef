/**
 * What the lifecycle UI does: edit, delete and react (socket commands with a `requestId`), the
 * change feed after a reconnect, the revisions of a message, and jumping to a replied message.
 */
import { createAsyncThunk } from '@reduxjs/toolkit';
import { api, toApiErrorPayload, type ApiErrorPayload } from '../../api/client';
import type { ChatMessage } from '../../api/types';
import type { AuthState } from '../auth/authSlice';
import {
  catchUp,
  loadOlder,
  MAX_MESSAGE_CHARS,
  messageLength,
  refreshVotes,
  type MessagesState,
} from '../messages/messagesSlice';
import type { ThunkExtra } from '../realtime/chatGateway';
import type { LifecycleCommandFrame } from '../realtime/frames';
import { changesPageLoaded, type ChangesPage } from './applyChanges';
import {
  changeRefusedLocally,
  editEnded,
  jumpRequested,
  requestSent,
  type LifecycleRequest,
  type LifecycleState,
} from './lifecycleSlice';

type ThunkState = { messages: MessagesState; auth: AuthState; lifecycle: LifecycleState };

const createLifecycleThunk = createAsyncThunk.withTypes<{
  state: ThunkState;
  rejectValue: ApiErrorPayload;
  extra: ThunkExtra;
}>();

export const CHANGES_PAGE_SIZE = 100;
/** Safety valve: a feed that makes no progress must not loop forever. */
const MAX_CHANGE_PAGES = 1_000;

export const OFFLINE_CHANGE_TEXT = 'Not connected: try again when the connection is back.';

/** Sends one lifecycle command; records it for display, or says why it could not go. */
function sendCommand(
  extra: ThunkExtra,
  dispatch: (action: unknown) => unknown,
  request: LifecycleRequest,
  frame: (requestId: string) => LifecycleCommandFrame,
): boolean {
  const requestId = crypto.randomUUID();
  if (!extra.chat.lifecycle(frame(requestId))) {
    dispatch(changeRefusedLocally({ messageId: request.messageId, error: OFFLINE_CHANGE_TEXT }));
    return false;
  }
  dispatch(requestSent({ requestId, request }));
  return true;
}

/** Saves an edit (`message.edit`): the same content rules as a send; unchanged text sends
 *  nothing. Resolves to whether the editor may close. */
export const editMessage = createLifecycleThunk(
  'lifecycle/edit',
  async ({ message, content }: { message: ChatMessage; content: string }, { dispatch, extra }) => {
    const trimmed = content.trim();
    const length = messageLength(trimmed);
    if (length === 0 || length > MAX_MESSAGE_CHARS) return false;
    if (trimmed !== message.content) {
      const sent = sendCommand(extra, dispatch, { messageId: message.id, action: 'edit', content: trimmed }, (requestId) => ({
        type: 'message.edit',
        messageId: message.id,
        content: trimmed,
        requestId,
      }));
      if (!sent) return false;
    }
    dispatch(editEnded());
    return true;
  },
);

/** Deletes a message for everyone (`message.delete`); the server answers with its tombstone. */
export const deleteMessage = createLifecycleThunk(
  'lifecycle/delete',
  async ({ messageId }: { messageId: string }, { dispatch, extra }) =>
    sendCommand(extra, dispatch, { messageId, action: 'delete' }, (requestId) => ({
      type: 'message.delete',
      messageId,
      requestId,
    })),
);

/** Toggles our reaction with `emoji` (`message.react`). */
export const toggleReaction = createLifecycleThunk(
  'lifecycle/react',
  async ({ messageId, emoji }: { messageId: string; emoji: string }, { dispatch, extra }) =>
    sendCommand(extra, dispatch, { messageId, action: 'react', emoji }, (requestId) => ({
      type: 'message.react',
      messageId,
      emoji,
      requestId,
    })),
);

const changesPath = (conversationId: string) =>
  `/api/messages/conversations/${encodeURIComponent(conversationId)}/changes`;

/**
 * Applies what changed in a conversation after `since` (edits, tombstones, reactions, votes),
 * page by page while `hasMore`. Resolves to the rev reached.
 */
export const syncChanges = createLifecycleThunk(
  'lifecycle/syncChanges',
  async ({ conversationId, since }: { conversationId: string; since: number }, { dispatch, rejectWithValue }) => {
    let rev = since;
    for (let page = 0; page < MAX_CHANGE_PAGES; page += 1) {
      let answer: ChangesPage;
      try {
        answer = await api.get<ChangesPage>(changesPath(conversationId), {
          query: { since: rev, limit: CHANGES_PAGE_SIZE },
        });
      } catch (error) {
        return rejectWithValue(toApiErrorPayload(error));
      }
      dispatch(changesPageLoaded({ conversationId, messages: answer.messages, rev: answer.rev }));
      const progressed = answer.rev > rev;
      rev = Math.max(rev, answer.rev);
      if (!answer.hasMore || !progressed) break;
    }
    return rev;
  },
);

/**
 * After a (re)connect, for one loaded thread: what changed while we were away (the change feed
 * from the rev held when the socket opened), then the new messages (`after=`, as always). A
 * thread without a rev (a v1 server) re-reads its newest page's votes instead.
 */
export const syncThread = createLifecycleThunk(
  'lifecycle/syncThread',
  async ({ peerId, since }: { peerId: string; since: number | undefined }, { dispatch, getState }) => {
    const conversationId = getState().messages.threads[peerId]?.conversationId;
    if (conversationId && since !== undefined) {
      await dispatch(syncChanges({ conversationId, since }));
    } else {
      void dispatch(refreshVotes({ peerId }));
    }
    await dispatch(catchUp({ peerId }));
  },
);

/** How many older pages a jump to a replied message may load before giving up. */
const MAX_JUMP_PAGES = 200;

/**
 * Shows the replied message: loads older pages (`before=`) until it is held, then asks the chat
 * to scroll to it and focus it. (A page `around=SEQ` would skip the pages between, but the
 * thread holds one contiguous window from its oldest message to the newest.) Resolves to
 * whether it is held.
 */
export const jumpToMessage = createLifecycleThunk(
  'lifecycle/jump',
  async ({ threadKey, messageId, seq }: { threadKey: string; messageId: string; seq: number }, { dispatch, getState }) => {
    const held = () => !!getState().messages.threads[threadKey]?.byId[messageId];
    for (let page = 0; page < MAX_JUMP_PAGES && !held(); page += 1) {
      const thread = getState().messages.threads[threadKey];
      if (!thread || thread.status !== 'ready') return false;
      const oldest = thread.ids[0] ? thread.byId[thread.ids[0]]?.seq : undefined;
      if (!thread.hasOlder || (oldest !== undefined && oldest <= seq)) break;
      if (thread.loadingOlder) {
        // A scroll already asked for the next page: wait for it.
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      const result = await dispatch(loadOlder({ peerId: threadKey }));
      if (loadOlder.rejected.match(result) && !result.meta.condition) return false;
    }
    if (!held()) return false;
    dispatch(jumpRequested({ threadKey, messageId }));
    return true;
  },
);

export interface MessageRevision {
  content: string;
  /** Null for the original. */
  editedAt: string | null;
}

/** A message's earlier versions, the original first (the current text is not among them). */
export async function fetchRevisions(messageId: string): Promise<MessageRevision[]> {
  const answer = await api.get<{ revisions: MessageRevision[] }>(
    `/api/messages/messages/${encodeURIComponent(messageId)}/revisions`,
  );
  return answer.revisions;
}

/** One emoji's reactions with who reacted (`GET /api/messages/messages/{id}/reactions`). */
export interface EmojiReactors {
  emoji: string;
  count: number;
  mine: boolean;
  /** In the order they reacted. */
  users: { id: string; username: string }[];
}

/** Who reacted to a message with what, in the order of the message's reactions. */
export async function fetchReactors(messageId: string): Promise<EmojiReactors[]> {
  const answer = await api.get<{ reactions: EmojiReactors[] }>(
    `/api/messages/messages/${encodeURIComponent(messageId)}/reactions`,
  );
  return answer.reactions;
}
