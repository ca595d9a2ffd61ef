/**
 * The `/ws/notifications` client: presence, sign-ups and message notifications into the store.
 * After every open it re-fetches the directory (presence may have changed while we were away)
 * and the bell, each if it was asked for before (what was not loads after the open anyway). A `presence` frame older than what the directory holds is ignored (the
 * users slice compares `lastSeenAt`).
 */
import { refreshSession } from '../../api/client';
import { sessionEnded } from '../auth/authSlice';
import { fetchNotifications, notificationReceived } from '../notifications/notificationsSlice';
import { fetchUsers, presenceChanged, userRegistered } from '../users/usersSlice';
import { checkSessionOverHttp, type RealtimeStore, type SocketEnvironment } from './ChatClient';
import { socketStatusChanged } from './connectionSlice';
import { parseNotificationsFrame } from './frames';
import { lowPriority } from '../../app/lowPriority';
import { ReconnectingSocket, sameOriginSocketUrl } from './ReconnectingSocket';

export class NotificationsClient {
  private store: RealtimeStore | null = null;
  private readonly socket: ReconnectingSocket;

  constructor(environment: SocketEnvironment = {}) {
    this.socket = new ReconnectingSocket({
      url: environment.url ?? sameOriginSocketUrl('/ws/notifications'),
      createSocket: environment.createSocket,
      events: environment.events,
      random: environment.random,
      refresh: environment.refresh ?? refreshSession,
      checkSession: environment.checkSession ?? checkSessionOverHttp,
      onFrame: (frame) => this.handleFrame(frame),
      onOpen: () => this.handleOpen(),
      onStatus: (status) => this.store?.dispatch(socketStatusChanged({ socket: 'notifications', status })),
      onSessionEnded: () => this.store?.dispatch(sessionEnded()),
    });
  }

  attach(store: RealtimeStore): void {
    this.store = store;
  }

  start(): void {
    this.socket.start();
  }

  stop(): void {
    this.socket.stop();
  }

  get isOpen(): boolean {
    return this.socket.isOpen;
  }

  private handleOpen(): void {
    const store = this.store;
    if (!store) return;
    // What was never asked for is not re-read: the screen that shows it loads it when it mounts,
    // after this open, so that answer misses nothing the socket does not bring. (At a start the
    // socket usually opens before the home mounts: the directory and the bell load once.)
    const { users, notifications } = store.getState();
    if (users.status !== 'idle') void store.dispatch(fetchUsers(users.query ? { q: users.query } : undefined));
    if (notifications.status !== 'idle') void store.dispatch(fetchNotifications());
  }

  private handleFrame(raw: Record<string, unknown>): void {
    const store = this.store;
    if (!store) return;
    const frame = parseNotificationsFrame(raw);
    if (!frame) return;
    switch (frame.type) {
      case 'presence':
        store.dispatch(
          lowPriority(
            presenceChanged({
              userId: frame.userId,
              username: frame.username,
              status: frame.status,
              lastSeenAt: frame.lastSeenAt,
            }),
          ),
        );
        break;
      case 'user.registered':
        store.dispatch(lowPriority(userRegistered(frame.user)));
        break;
      case 'notification': {
        const { notification } = frame;
        const state = store.getState();
        const conversation = state.conversations.entities[notification.conversationId];
        const message = state.messages.threads[notification.senderId]?.byId[notification.messageId];
        // We may have read the conversation before this frame (another socket) arrived.
        const alreadyRead = !!conversation && !!message && message.seq <= conversation.lastReadSeq;
        store.dispatch(lowPriority(notificationReceived({ notification, alreadyRead })));
        break;
      }
    }
  }
}
