/**
 * The `/ws/chat` client: turns server frames into store actions and keeps our sends safe.
 *
 * - Outbox: every send stays in the `Outbox` until acked and is (re)sent with the same
 *   `clientMsgId` on every (re)connect, and again on the same socket after 15 s without an
 *   answer. `unavailable`/`rate_limited` errors defer it; other errors fail it (the UI offers
 *   retry, which re-queues the same `clientMsgId`).
 * - Read marks are kept (highest per conversation) until a socket takes them.
 * - After every open: catch up each loaded conversation (`after=<syncedSeq>`), re-read its
 *   newest page's vote counts and re-fetch the conversation list (if it was asked for before:
 *   otherwise its first load comes after the open), since anything may have happened while we
 *   were away. A live message whose seq jumps past the held ones triggers the
 *   same catch-up for its conversation.
 * - Votes go out only while connected and are never re-sent (a repeated toggle undoes itself).
 *   The UI predicts their outcome; the prediction is dropped, leaving the server's counts, when
 *   an `error` frame comes while votes await an answer (vote errors carry no id to match), when
 *   no answer matches it within `VOTE_ANSWER_TIMEOUT_MS`, or when the socket closes.
 */
import { isApiError, refreshSession, api } from '../../api/client';
import type { AppNotification, ChatMessage } from '../../api/types';
import type { AppDispatch, RootState } from '../../app/store';
import { sessionEnded } from '../auth/authSlice';
import {
  messageAcked,
  messageReceived,
  messageUpdated,
  peerOf,
  readReceived,
  sendFailed,
  typingReceived,
  votesChanged,
} from '../../events/chatEvents';
import { fetchConversations } from '../conversations/conversationsSlice';
import { conversationRemoved, conversationUpdated, deliveredReceived } from '../../events/groupEvents';
import { fetchMembers } from '../groups/groupsSlice';
import {
  catchUp,
  selectHasVoteIntent,
  selectLoadedPeerIds,
  voteIntentsDropped,
} from '../messages/messagesSlice';
import { requestFailed, requestsDropped } from '../lifecycle/lifecycleSlice';
import { syncThread } from '../lifecycle/lifecycleThunks';
import type { VoteDirection } from '../messages/thread';
import { notificationsReadLocally } from '../notifications/notificationsSlice';
import type { ChatGateway } from './chatGateway';
import { socketStatusChanged } from './connectionSlice';
import { parseChatFrame, type LifecycleCommandFrame } from './frames';
import { lowPriority } from '../../app/lowPriority';
import { Outbox, TRANSIENT_SEND_ERRORS, type OutgoingMessage } from './Outbox';
import {
  ReconnectingSocket,
  sameOriginSocketUrl,
  type LifecycleEvents,
  type RefreshOutcome,
  type SessionCheck,
  type WebSocketFactory,
} from './ReconnectingSocket';

/** The part of the store the clients use. */
export interface RealtimeStore {
  dispatch: AppDispatch;
  getState: () => RootState;
}

/** What both socket clients take, so tests can replace the browser and the session calls. */
export interface SocketEnvironment {
  createSocket?: WebSocketFactory;
  events?: LifecycleEvents;
  random?: () => number;
  refresh?: () => Promise<RefreshOutcome>;
  checkSession?: () => Promise<SessionCheck>;
  url?: string;
}

/**
 * Asks who is signed in, which makes the API client refresh on a 401 and, if the refresh is
 * refused, end the session in the store (the realtime clients then stop). The socket only needs
 * to know whether to go on trying.
 */
export async function checkSessionOverHttp(): Promise<SessionCheck> {
  try {
    await api.get('/api/auth/currentuser');
    return 'valid';
  } catch (error) {
    return isApiError(error) && error.status === 401 ? 'ended' : 'unknown';
  }
}

/** How long a vote's predicted outcome may wait for the server's `message.votes`. */
export const VOTE_ANSWER_TIMEOUT_MS = 10_000;
/** How long an edit, delete or reaction is shown as on its way without an answer. */
export const LIFECYCLE_ANSWER_TIMEOUT_MS = 10_000;

export class ChatClient implements ChatGateway {
  private store: RealtimeStore | null = null;
  private readonly socket: ReconnectingSocket;
  readonly outbox = new Outbox();
  /** conversationId → the highest seq we marked read and the server has not echoed yet
   *  (`sent`: handed to the current socket). Re-sent on every (re)connect until echoed: a mark
   *  is only forward on the server, so repeating one is harmless. */
  private readonly unconfirmedReads = new Map<string, { seq: number; sent: boolean }>();
  /** The same for `message.delivered` marks (contract §6): this device has received up to seq. */
  private readonly unconfirmedDelivered = new Map<string, { seq: number; sent: boolean }>();
  /** conversationId → the highest delivered mark we ever sent, so each goes out once. */
  private readonly deliveredSent = new Map<string, number>();
  private outboxTimer: ReturnType<typeof setTimeout> | null = null;
  /** messageId → the timer that gives up on the answer to our latest vote on it. */
  private readonly votesAwaitingAnswer = new Map<string, ReturnType<typeof setTimeout>>();
  /** requestId → the timer that gives up on the answer to our edit, delete or reaction. */
  private readonly lifecycleAwaitingAnswer = new Map<string, ReturnType<typeof setTimeout>>();
  private refreshingConversations = false;
  private conversationsRefreshWanted = false;

  constructor(environment: SocketEnvironment = {}) {
    this.socket = new ReconnectingSocket({
      url: environment.url ?? sameOriginSocketUrl('/ws/chat'),
      createSocket: environment.createSocket,
      events: environment.events,
      random: environment.random,
      refresh: environment.refresh ?? refreshSession,
      checkSession: environment.checkSession ?? checkSessionOverHttp,
      onFrame: (frame) => this.handleFrame(frame),
      onOpen: () => this.handleOpen(),
      onStatus: (status) => {
        // Answers to votes sent on a socket that is gone will never come.
        if (status !== 'open') {
          this.dropVoteIntents();
          this.dropLifecycleRequests();
        }
        this.store?.dispatch(socketStatusChanged({ socket: 'chat', status }));
      },
      onSessionEnded: () => this.store?.dispatch(sessionEnded()),
    });
  }

  attach(store: RealtimeStore): void {
    this.store = store;
  }

  start(): void {
    this.socket.start();
  }

  /** Stops for good (sign-out): unsent messages belong to the user who leaves, not the next. */
  stop(): void {
    this.socket.stop();
    this.outbox.clear();
    this.unconfirmedReads.clear();
    this.unconfirmedDelivered.clear();
    this.deliveredSent.clear();
    this.clearOutboxTimer();
    this.dropVoteIntents();
    this.dropLifecycleRequests();
  }

  get isOpen(): boolean {
    return this.socket.isOpen;
  }

  send(message: OutgoingMessage): void {
    this.outbox.add(message);
    this.flushOutbox();
  }

  discard(clientMsgId: string): void {
    this.outbox.drop(clientMsgId);
  }

  markRead(conversationId: string, seq: number): void {
    const held = this.unconfirmedReads.get(conversationId);
    if (!held || seq > held.seq) this.unconfirmedReads.set(conversationId, { seq, sent: false });
    this.flushReads();
  }

  markDelivered(conversationId: string, seq: number): void {
    if (seq <= (this.deliveredSent.get(conversationId) ?? 0)) return;
    this.deliveredSent.set(conversationId, seq);
    this.unconfirmedDelivered.set(conversationId, { seq, sent: false });
    this.flushDelivered();
  }

  typing(conversationId: string): void {
    this.socket.send({ type: 'typing', conversationId });
  }

  vote(messageId: string, vote: VoteDirection): boolean {
    if (!this.socket.send({ type: 'message.vote', messageId, vote })) return false;
    const previous = this.votesAwaitingAnswer.get(messageId);
    if (previous !== undefined) clearTimeout(previous);
    this.votesAwaitingAnswer.set(
      messageId,
      setTimeout(() => this.dropVoteIntents([messageId]), VOTE_ANSWER_TIMEOUT_MS),
    );
    return true;
  }

  lifecycle(frame: LifecycleCommandFrame): boolean {
    if (!this.socket.send(frame)) return false;
    const { requestId } = frame;
    this.lifecycleAwaitingAnswer.set(
      requestId,
      setTimeout(() => this.dropLifecycleRequests([requestId]), LIFECYCLE_ANSWER_TIMEOUT_MS),
    );
    return true;
  }

  /** Forgets our edits, deletes and reactions still awaiting an answer (all, or these): what
   *  the server did shows in its frames, or in the change feed after a reconnect. */
  private dropLifecycleRequests(requestIds: string[] = [...this.lifecycleAwaitingAnswer.keys()]): void {
    if (requestIds.length === 0) return;
    for (const requestId of requestIds) {
      const timer = this.lifecycleAwaitingAnswer.get(requestId);
      if (timer !== undefined) clearTimeout(timer);
      this.lifecycleAwaitingAnswer.delete(requestId);
    }
    this.store?.dispatch(requestsDropped({ requestIds }));
  }

  /** Stops the timers of requests the store no longer awaits (answered by a frame). */
  private forgetAnsweredLifecycleRequests(store: RealtimeStore): void {
    const awaiting = store.getState().lifecycle.requests;
    for (const [requestId, timer] of this.lifecycleAwaitingAnswer) {
      if (awaiting[requestId]) continue;
      clearTimeout(timer);
      this.lifecycleAwaitingAnswer.delete(requestId);
    }
  }

  /** Gives up on the answers to our votes (all, or on these messages): the server's last
   *  counts show again. */
  private dropVoteIntents(messageIds: string[] = [...this.votesAwaitingAnswer.keys()], error?: string): void {
    if (messageIds.length === 0) return;
    for (const messageId of messageIds) {
      const timer = this.votesAwaitingAnswer.get(messageId);
      if (timer !== undefined) clearTimeout(timer);
      this.votesAwaitingAnswer.delete(messageId);
    }
    this.store?.dispatch(voteIntentsDropped(error ? { messageIds, error } : { messageIds }));
  }

  private handleOpen(): void {
    this.outbox.resetForNewConnection();
    for (const read of this.unconfirmedReads.values()) read.sent = false;
    for (const mark of this.unconfirmedDelivered.values()) mark.sent = false;
    this.flushOutbox();
    this.flushReads();
    this.flushDelivered();
    const store = this.store;
    if (!store) return;
    // The revs are read now, before any frame of the new socket can raise them: what changed
    // while we were away lies between them and whatever the new socket brings.
    const state = store.getState();
    const departed = state.groups.departed;
    for (const peerId of selectLoadedPeerIds(state)) {
      // A group we are no longer in answers 404; its view keeps what it held.
      if (departed[peerId]) continue;
      const conversationId = state.messages.threads[peerId]?.conversationId;
      const since = conversationId ? state.lifecycle.revs[conversationId] : undefined;
      void store.dispatch(syncThread({ peerId, since }));
    }
    // A list never asked for loads when the home mounts, after this open: nothing to re-read.
    if (state.conversations.status !== 'idle') this.refreshConversations();
  }

  private flushOutbox(): void {
    this.clearOutboxTimer();
    if (this.socket.isOpen) {
      for (const message of this.outbox.takeDue(Date.now())) {
        const sent = this.socket.send({ type: 'message.send', ...message });
        if (!sent) this.outbox.unmarkSent(message.clientMsgId);
      }
    }
    const next = this.outbox.nextDueAt();
    if (next !== null && this.socket.isOpen) {
      this.outboxTimer = setTimeout(() => this.flushOutbox(), Math.max(0, next - Date.now()));
    }
  }

  private clearOutboxTimer(): void {
    if (this.outboxTimer !== null) clearTimeout(this.outboxTimer);
    this.outboxTimer = null;
  }

  private flushReads(): void {
    for (const [conversationId, read] of this.unconfirmedReads) {
      if (read.sent) continue;
      if (!this.socket.send({ type: 'message.read', conversationId, seq: read.seq })) return;
      read.sent = true;
    }
  }

  private flushDelivered(): void {
    for (const [conversationId, mark] of this.unconfirmedDelivered) {
      if (mark.sent) continue;
      if (!this.socket.send({ type: 'message.delivered', conversationId, seq: mark.seq })) return;
      mark.sent = true;
    }
  }

  /** The list tells this device of every conversation's newest message: delivered (forward only). */
  private markListDelivered(store: RealtimeStore, selfId: string): void {
    const { ids, entities } = store.getState().conversations;
    for (const id of ids) {
      const conversation = entities[id];
      const last = conversation?.lastMessage;
      if (!conversation || !last || last.senderId === selfId) continue;
      if (last.seq > (conversation.lastDeliveredSeq ?? 0)) this.markDelivered(id, last.seq);
    }
  }

  /** Re-fetches the conversation list; calls made while one runs coalesce into one more. */
  private refreshConversations(): void {
    const store = this.store;
    if (!store) return;
    if (this.refreshingConversations) {
      this.conversationsRefreshWanted = true;
      return;
    }
    this.refreshingConversations = true;
    void Promise.resolve(store.dispatch(fetchConversations())).finally(() => {
      this.refreshingConversations = false;
      const selfId = store.getState().auth.user?.id;
      if (selfId) this.markListDelivered(store, selfId);
      if (this.conversationsRefreshWanted) {
        this.conversationsRefreshWanted = false;
        this.refreshConversations();
      }
    });
  }

  private handleFrame(raw: Record<string, unknown>): void {
    const store = this.store;
    const selfId = store?.getState().auth.user?.id;
    if (!store || !selfId) return;
    const frame = parseChatFrame(raw);
    if (!frame) return;
    switch (frame.type) {
      case 'message.ack':
        this.outbox.acknowledge(frame.clientMsgId);
        this.deliver(store, selfId, frame.message, frame.clientMsgId, true);
        break;
      case 'message.new':
        // Our other tab's send carries its clientMsgId: it is stored, whoever sent it.
        if (frame.clientMsgId) this.outbox.acknowledge(frame.clientMsgId);
        this.deliver(store, selfId, frame.message, frame.clientMsgId, false);
        break;
      case 'message.read': {
        const { conversationId, readerId, seq } = frame;
        if (!store.getState().conversations.entities[conversationId]) this.refreshConversations();
        store.dispatch(lowPriority(readReceived({ conversationId, readerId, seq, selfId })));
        if (readerId === selfId) {
          const unconfirmed = this.unconfirmedReads.get(conversationId);
          if (unconfirmed && unconfirmed.seq <= seq) this.unconfirmedReads.delete(conversationId);
          const ids = notificationsCoveredByRead(store.getState(), conversationId, seq);
          if (ids.length > 0) {
            store.dispatch(lowPriority(notificationsReadLocally({ ids, at: new Date().toISOString() })));
          }
        }
        break;
      }
      case 'typing':
        if (frame.userId !== selfId) {
          store.dispatch(
            lowPriority(
              typingReceived({ conversationId: frame.conversationId, userId: frame.userId, receivedAt: Date.now() }),
            ),
          );
        }
        break;
      case 'message.votes': {
        const { conversationId, messageId, up, down, mine, rev } = frame;
        store.dispatch(
          lowPriority(votesChanged({ conversationId, messageId, up, down, mine, ...(rev !== undefined ? { rev } : {}) })),
        );
        const timer = this.votesAwaitingAnswer.get(messageId);
        if (timer !== undefined && !selectHasVoteIntent(store.getState(), messageId)) {
          clearTimeout(timer);
          this.votesAwaitingAnswer.delete(messageId);
        }
        break;
      }
      case 'message.delivered': {
        const { conversationId, userId, seq } = frame;
        store.dispatch(lowPriority(deliveredReceived({ conversationId, userId, seq, selfId })));
        if (userId === selfId) {
          const unconfirmed = this.unconfirmedDelivered.get(conversationId);
          if (unconfirmed && unconfirmed.seq <= seq) this.unconfirmedDelivered.delete(conversationId);
        }
        break;
      }
      case 'conversation.updated': {
        const { conversation } = frame;
        store.dispatch(conversationUpdated({ conversation }));
        // Members or roles may have changed: re-read the member list of a group on screen.
        if (store.getState().groups.byConversation[conversation.id]) {
          void store.dispatch(fetchMembers({ conversationId: conversation.id }));
        }
        break;
      }
      case 'conversation.removed':
        this.unconfirmedReads.delete(frame.conversationId);
        this.unconfirmedDelivered.delete(frame.conversationId);
        store.dispatch(
          conversationRemoved({
            conversationId: frame.conversationId,
            name: store.getState().conversations.entities[frame.conversationId]?.name,
          }),
        );
        break;
      case 'message.updated':
        store.dispatch(messageUpdated({ message: frame.message, selfId }));
        this.forgetAnsweredLifecycleRequests(store);
        break;
      case 'error':
        if (frame.requestId && this.lifecycleAwaitingAnswer.has(frame.requestId)) {
          const timer = this.lifecycleAwaitingAnswer.get(frame.requestId);
          if (timer !== undefined) clearTimeout(timer);
          this.lifecycleAwaitingAnswer.delete(frame.requestId);
          store.dispatch(requestFailed({ requestId: frame.requestId, error: lifecycleErrorText(frame.code, frame.message) }));
          break;
        }
        this.handleError(store, frame.code, frame.message, frame.clientMsgId);
        break;
    }
  }

  private deliver(
    store: RealtimeStore,
    selfId: string,
    message: ChatMessage,
    clientMsgId: string | undefined,
    acked: boolean,
  ): void {
    const peerId = peerOf(message, selfId);
    const state = store.getState();
    const peerUsername = state.users.entities[peerId]?.username;
    const known = !!state.conversations.entities[message.conversationId];
    if (acked && clientMsgId) {
      store.dispatch(lowPriority(messageAcked({ message, clientMsgId, selfId, peerUsername })));
    } else {
      store.dispatch(lowPriority(messageReceived({ message, selfId, clientMsgId, peerUsername })));
    }
    // A conversation the list did not hold: its real counts (and maybe name) are on the server.
    if (!known) this.refreshConversations();
    // This device has it (contract §6: `message.delivered`, forward only).
    if (message.senderId !== selfId) this.markDelivered(message.conversationId, message.seq);
    if (store.getState().messages.threads[peerId]?.gapDetected) {
      void store.dispatch(catchUp({ peerId }));
    }
  }

  private handleError(store: RealtimeStore, code: string, message: string, clientMsgId?: string): void {
    if (!clientMsgId) {
      // Refused votes are answered without any id; while votes await an answer, assume it is
      // about them. Dropping a prediction that was right costs nothing: the display shows the
      // server's last counts and its next `message.votes` frame still arrives.
      this.dropVoteIntents(undefined, voteErrorText(code, message));
      return;
    }
    if (!this.outbox.has(clientMsgId)) return;
    if (TRANSIENT_SEND_ERRORS.has(code)) {
      this.outbox.defer(clientMsgId, Date.now());
      this.flushOutbox();
      return;
    }
    this.outbox.drop(clientMsgId);
    store.dispatch(sendFailed({ clientMsgId, code, message }));
  }
}

/** What to tell the user about an edit, delete or reaction the server refused. */
function lifecycleErrorText(code: string, message: string): string {
  if (code === 'rate_limited') return 'Too many changes at once; try again in a moment.';
  if (code === 'unavailable') return 'Changes are unavailable right now; try again later.';
  if (code === 'not_found') return 'This message no longer exists.';
  if (code === 'forbidden') return 'You cannot change this message.';
  return message || 'The change was refused.';
}

/** What to tell the user about a vote the server did not count. */
function voteErrorText(code: string, message: string): string {
  if (code === 'rate_limited') return 'Too many votes at once; try again in a moment.';
  if (code === 'unavailable') return 'Voting is unavailable right now; try again later.';
  if (code === 'not_found') return 'This message can no longer be voted on.';
  return message || 'The vote was not counted.';
}

/**
 * The unread notifications a read mark up to `seq` covers. The server marks them read itself;
 * this keeps the bell in step without a fetch. A notification whose message is not held counts
 * as covered when the mark reaches the conversation's newest message.
 */
export function notificationsCoveredByRead(
  state: Pick<RootState, 'notifications' | 'messages' | 'conversations'>,
  conversationId: string,
  seq: number,
): string[] {
  const newest = state.conversations.entities[conversationId]?.lastMessage?.seq ?? null;
  const covered: string[] = [];
  for (const id of state.notifications.ids) {
    const notification = state.notifications.entities[id];
    if (!notification || notification.readAt || notification.conversationId !== conversationId) continue;
    if (isCovered(state, notification, seq, newest)) covered.push(id);
  }
  return covered;
}

function isCovered(
  state: Pick<RootState, 'messages'>,
  notification: AppNotification,
  seq: number,
  newest: number | null,
): boolean {
  // A notification is about a message to us, so its thread is keyed by the sender (a group's
  // by the conversation, see `peerOf`).
  const key = notification.conversationKind === 'group' ? notification.conversationId : notification.senderId;
  const message = state.messages.threads[key]?.byId[notification.messageId];
  if (message) return message.seq <= seq;
  return newest !== null && seq >= newest;
}
