/**
 * The bell: the newest notifications and the unread count. Seeded by `GET /api/notifications`
 * (re-fetched on every notifications-socket (re)connect), extended by pushed `notification`
 * frames, marked read by `POST /api/notifications/read` (optimistically) and, locally, when a
 * conversation is read (the server does the same on its side).
 */
import {
  createAction,
  createAsyncThunk,
  createEntityAdapter,
  createSlice,
  type PayloadAction,
} from '@reduxjs/toolkit';
import { api, toApiErrorPayload, type ApiErrorPayload } from '../../api/client';
import type { AppNotification, NotificationPage } from '../../api/types';
import { isSessionChange } from '../auth/sessionReset';
import { messageUpdated } from '../../events/chatEvents';
import { fetchMutes, muteConversation, mutedAt, unmuteConversation } from '../push/pushSlice';

export const NOTIFICATIONS_PAGE_SIZE = 20;
/** A notification's preview: the first 120 characters, as the notifications service cuts it. */
const NOTIFICATION_PREVIEW_CHARS = 120;

function compareNewestFirst(a: AppNotification, b: AppNotification): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

const adapter = createEntityAdapter<AppNotification>({ sortComparer: compareNewestFirst });

export interface NotificationsState extends ReturnType<typeof adapter.getInitialState> {
  status: 'idle' | 'loading' | 'succeeded' | 'failed';
  error: ApiErrorPayload | null;
  /** The server's total of unread notifications (not only the listed ones). */
  unreadCount: number;
  /** Marks sent and not answered yet: request id → the notifications it turned read, so a
   *  refusal can undo exactly those. */
  markingRead: Record<string, string[]>;
  /** Muted conversations (id → until, null: until unmuted), mirrored from the push slice: the
   *  server's count leaves them out, so reading them locally must not lower it. */
  muted: Record<string, string | null>;
}

export const initialNotificationsState: NotificationsState = adapter.getInitialState({
  status: 'idle',
  error: null,
  unreadCount: 0,
  markingRead: {},
  muted: {},
});

type ThunkConfig = { state: { notifications: NotificationsState }; rejectValue: ApiErrorPayload };

export const fetchNotifications = createAsyncThunk.withTypes<ThunkConfig>()(
  'notifications/fetch',
  async (_: void, { rejectWithValue }) => {
    try {
      return await api.get<NotificationPage>('/api/notifications', {
        query: { limit: NOTIFICATIONS_PAGE_SIZE },
      });
    } catch (error) {
      return rejectWithValue(toApiErrorPayload(error));
    }
  },
);

export type MarkReadRequest = { ids: string[] } | { all: true };

/** `POST /api/notifications/read`; applied at once, re-fetched if the server refused. */
export const markNotificationsRead = createAsyncThunk.withTypes<ThunkConfig>()(
  'notifications/markRead',
  async (request: MarkReadRequest, { dispatch, rejectWithValue }) => {
    try {
      await api.post<void>('/api/notifications/read', request);
    } catch (error) {
      void dispatch(fetchNotifications());
      return rejectWithValue(toApiErrorPayload(error));
    }
  },
);

/** A `notification` frame; `alreadyRead` when the conversation was read before it arrived. */
export const notificationReceived = createAction<{ notification: AppNotification; alreadyRead?: boolean }>(
  'notifications/received',
);

/** Marks these read; returns the ids that were unread. */
function markRead(state: NotificationsState, ids: Iterable<string>, at: string): string[] {
  const changed: string[] = [];
  for (const id of ids) {
    const notification = state.entities[id];
    if (!notification || notification.readAt) continue;
    notification.readAt = at;
    if (!mutedAt(state.muted, notification.conversationId, at)) {
      state.unreadCount = Math.max(0, state.unreadCount - 1);
    }
    changed.push(id);
  }
  return changed;
}

const notificationsSlice = createSlice({
  name: 'notifications',
  initialState: initialNotificationsState,
  reducers: {
    /** The server marked these read because their conversation was read. */
    notificationsReadLocally(state, action: PayloadAction<{ ids: string[]; at: string }>) {
      markRead(state, action.payload.ids, action.payload.at);
    },
  },
  extraReducers: (builder) => {
    builder
      .addCase(fetchNotifications.pending, (state) => {
        state.status = 'loading';
        state.error = null;
      })
      .addCase(fetchNotifications.fulfilled, (state, action) => {
        // The answer may predate frames and marks made while it travelled: a pushed
        // notification newer than everything listed stays, and so does a local read mark.
        const fresh = action.payload.notifications;
        const newestListed = fresh.reduce((max, n) => (n.createdAt > max ? n.createdAt : max), '');
        let unread = action.payload.unreadCount;
        const merged = fresh.map((n) => {
          const held = state.entities[n.id];
          if (held?.readAt && !n.readAt) {
            unread -= 1;
            return { ...n, readAt: held.readAt };
          }
          return n;
        });
        const listed = new Set(fresh.map((n) => n.id));
        for (const id of state.ids) {
          const held = state.entities[id];
          if (!held || listed.has(id) || held.createdAt <= newestListed) continue;
          merged.push(held);
          if (!held.readAt) unread += 1;
        }
        adapter.setAll(state, merged);
        state.unreadCount = Math.max(0, unread);
        state.status = 'succeeded';
      })
      .addCase(fetchNotifications.rejected, (state, action) => {
        state.status = 'failed';
        state.error = action.payload ?? toApiErrorPayload(action.error);
      })
      .addCase(notificationReceived, (state, action) => {
        const { notification, alreadyRead } = action.payload;
        if (state.entities[notification.id]) return;
        const stored =
          alreadyRead && !notification.readAt ? { ...notification, readAt: notification.createdAt } : notification;
        adapter.addOne(state, stored);
        if (!stored.readAt) state.unreadCount += 1;
        // Only the newest page is kept; older ones are a fetch away.
        const extra = state.ids.slice(NOTIFICATIONS_PAGE_SIZE * 2);
        if (extra.length > 0) adapter.removeMany(state, extra);
      })
      .addCase(messageUpdated, (state, action) => {
        // The server drops a deleted message's notifications and makes previews follow edits;
        // the bell does the same at once rather than at its next fetch.
        const { message } = action.payload;
        const ids = state.ids.filter((id) => state.entities[id]?.messageId === message.id);
        if (ids.length === 0) return;
        if (message.deletedAt) {
          for (const id of ids) {
            const notification = state.entities[id];
            if (notification && !notification.readAt && !mutedAt(state.muted, notification.conversationId, notification.createdAt)) {
              state.unreadCount = Math.max(0, state.unreadCount - 1);
            }
          }
          adapter.removeMany(state, ids);
        } else {
          const preview = [...message.content].slice(0, NOTIFICATION_PREVIEW_CHARS).join('');
          for (const id of ids) {
            const notification = state.entities[id];
            if (notification) notification.preview = preview;
          }
        }
      })
      .addCase(markNotificationsRead.pending, (state, action) => {
        const at = new Date().toISOString();
        const request = action.meta.arg;
        const changed = markRead(state, 'all' in request ? [...state.ids] : request.ids, at);
        if ('all' in request) state.unreadCount = 0;
        state.markingRead[action.meta.requestId] = changed;
      })
      .addCase(markNotificationsRead.fulfilled, (state, action) => {
        delete state.markingRead[action.meta.requestId];
      })
      .addCase(markNotificationsRead.rejected, (state, action) => {
        // Not marked after all: undo, and let the re-fetch bring the server's count.
        for (const id of state.markingRead[action.meta.requestId] ?? []) {
          const notification = state.entities[id];
          if (notification) notification.readAt = null;
        }
        delete state.markingRead[action.meta.requestId];
      })
      .addCase(fetchMutes.fulfilled, (state, action) => {
        state.muted = Object.fromEntries(action.payload.map((m) => [m.conversationId, m.until]));
      })
      .addCase(muteConversation.fulfilled, (state, action) => {
        state.muted[action.payload.conversationId] = action.payload.until;
      })
      .addCase(unmuteConversation.fulfilled, (state, action) => {
        delete state.muted[action.payload];
      })
      .addMatcher(isSessionChange, () => initialNotificationsState);
  },
});

export const { notificationsReadLocally } = notificationsSlice.actions;
export const notificationsReducer = notificationsSlice.reducer;

type WithNotifications = { notifications: NotificationsState };
const selectors = adapter.getSelectors((state: WithNotifications) => state.notifications);
export const selectNotifications = selectors.selectAll;
export const selectUnreadNotificationCount = (state: WithNotifications) =>
  state.notifications.unreadCount;
