/**
 * Web Push on this browser (enabled or not, asked only when the user clicks) and the user's
 * muted conversations (CONTRACT.md section 10).
 *
 * Enabling: ask for permission, make (or reuse) the browser's subscription with the server's
 * VAPID key, and send it to the server. Disabling: delete it on the server, then in the
 * browser. A subscription belongs to the session that made it: after a sign-out the server has
 * forgotten it, so a new session shows "off" until the user turns it on again.
 */
import { createAsyncThunk, createSlice } from '@reduxjs/toolkit';
import { isApiError, toApiErrorPayload } from '../../api/client';
import { isSessionChange } from '../auth/sessionReset';
import { base64UrlToBytes, sameKey } from './base64url';
import {
  currentSubscription,
  notificationPermission,
  pushSupported,
  requestNotificationPermission,
  subscribe,
} from './browserPush';
import { pushApi, type Mute } from './pushApi';

/**
 * - `unknown`: not checked yet; `unsupported`: this browser cannot;
 * - `blocked`: the user refused notifications (only the browser's settings can undo it);
 * - `off` / `on`, and `switching` while a change is under way.
 */
export type PushStatus = 'unknown' | 'unsupported' | 'blocked' | 'off' | 'switching' | 'on';

/** How long a mute lasts, as the conversation menu offers it. */
export type MuteDuration = '1h' | '8h' | 'forever';

const DURATION_MS: Record<Exclude<MuteDuration, 'forever'>, number> = {
  '1h': 60 * 60 * 1000,
  '8h': 8 * 60 * 60 * 1000,
};

export interface PushState {
  status: PushStatus;
  /** Why the last change failed, for the settings menu. */
  error: string | null;
  /** Muted conversations: id → until (RFC 3339), or null until unmuted. */
  mutes: Record<string, string | null>;
  mutesStatus: 'idle' | 'loading' | 'succeeded' | 'failed';
  /** Conversations whose mute is being changed. */
  changing: Record<string, true>;
}

export const initialPushState: PushState = {
  status: 'unknown',
  error: null,
  mutes: {},
  mutesStatus: 'idle',
  changing: {},
};

const message = (error: unknown) => toApiErrorPayload(error).message;

/** Thunks that fail with a sentence for the user. */
const createThunk = createAsyncThunk.withTypes<{ rejectValue: string }>();

/** Whether this browser's subscription is one the server has for this user. */
export const loadPushStatus = createAsyncThunk('push/load', async (): Promise<PushStatus> => {
  if (!pushSupported()) return 'unsupported';
  if (notificationPermission() === 'denied') return 'blocked';
  const subscription = await currentSubscription();
  if (!subscription || notificationPermission() !== 'granted') return 'off';
  const { subscriptions } = await pushApi.subscriptions();
  return (subscriptions ?? []).some((s) => s.endpoint === subscription.endpoint) ? 'on' : 'off';
});

/** The "Enable notifications" click. */
export const enablePush = createThunk('push/enable', async (_: void, { rejectWithValue }) => {
  try {
    if (!pushSupported()) return 'unsupported' as const;
    const permission = await requestNotificationPermission();
    if (permission !== 'granted') return permission === 'denied' ? ('blocked' as const) : ('off' as const);
    const { publicKey } = await pushApi.key();
    let subscription = await currentSubscription();
    if (subscription && !sameKey(subscription.options.applicationServerKey, publicKey)) {
      // Made for another key (the server's was rotated): pushes to it would be refused.
      await subscription.unsubscribe();
      subscription = null;
    }
    subscription ??= await subscribe(base64UrlToBytes(publicKey));
    await pushApi.subscribe(subscription.toJSON());
    return 'on' as const;
  } catch (error) {
    return rejectWithValue(message(error));
  }
});

/** The "Turn off notifications" click. */
export const disablePush = createThunk('push/disable', async (_: void, { rejectWithValue }) => {
  try {
    const subscription = await currentSubscription();
    if (subscription) {
      const { subscriptions } = await pushApi.subscriptions();
      const mine = subscriptions.find((s) => s.endpoint === subscription.endpoint);
      if (mine) {
        await pushApi.unsubscribe(mine.id).catch((error: unknown) => {
          if (!(isApiError(error) && error.status === 404)) throw error;
        });
      }
      await subscription.unsubscribe();
    }
    return 'off' as const;
  } catch (error) {
    return rejectWithValue(message(error));
  }
});

export const fetchMutes = createThunk('push/fetchMutes', async (_: void, { rejectWithValue }) => {
  try {
    const { mutes } = await pushApi.mutes();
    return Array.isArray(mutes) ? mutes : [];
  } catch (error) {
    return rejectWithValue(message(error));
  }
});

/** Mutes a conversation for a while, or until unmuted. */
export const muteConversation = createThunk(
  'push/mute',
  async ({ conversationId, duration }: { conversationId: string; duration: MuteDuration }, { rejectWithValue }) => {
    const until = duration === 'forever' ? null : new Date(Date.now() + DURATION_MS[duration]).toISOString();
    try {
      await pushApi.mute(conversationId, until);
      return { conversationId, until } satisfies Mute;
    } catch (error) {
      return rejectWithValue(message(error));
    }
  },
);

export const unmuteConversation = createThunk(
  'push/unmute',
  async (conversationId: string, { rejectWithValue }) => {
    try {
      await pushApi.unmute(conversationId);
      return conversationId;
    } catch (error) {
      return rejectWithValue(message(error));
    }
  },
);

const pushSlice = createSlice({
  name: 'push',
  initialState: initialPushState,
  reducers: {},
  extraReducers: (builder) => {
    builder
      .addCase(loadPushStatus.fulfilled, (state, action) => {
        state.status = action.payload;
      })
      .addCase(loadPushStatus.rejected, (state) => {
        // The server could not be asked: say off, and let the user turn it on.
        state.status = pushSupported() ? 'off' : 'unsupported';
      })
      .addCase(enablePush.pending, (state) => {
        state.status = 'switching';
        state.error = null;
      })
      .addCase(enablePush.fulfilled, (state, action) => {
        state.status = action.payload;
      })
      .addCase(enablePush.rejected, (state, action) => {
        state.status = 'off';
        state.error = action.payload ?? 'Could not turn notifications on.';
      })
      .addCase(disablePush.pending, (state) => {
        state.status = 'switching';
        state.error = null;
      })
      .addCase(disablePush.fulfilled, (state, action) => {
        state.status = action.payload;
      })
      .addCase(disablePush.rejected, (state, action) => {
        state.status = 'on';
        state.error = action.payload ?? 'Could not turn notifications off.';
      })
      .addCase(fetchMutes.pending, (state) => {
        state.mutesStatus = 'loading';
      })
      .addCase(fetchMutes.fulfilled, (state, action) => {
        state.mutes = Object.fromEntries(action.payload.map((m) => [m.conversationId, m.until]));
        state.mutesStatus = 'succeeded';
      })
      .addCase(fetchMutes.rejected, (state) => {
        state.mutesStatus = 'failed';
      })
      .addCase(muteConversation.pending, (state, action) => {
        state.changing[action.meta.arg.conversationId] = true;
      })
      .addCase(muteConversation.fulfilled, (state, action) => {
        state.mutes[action.payload.conversationId] = action.payload.until;
        delete state.changing[action.payload.conversationId];
      })
      .addCase(muteConversation.rejected, (state, action) => {
        delete state.changing[action.meta.arg.conversationId];
      })
      .addCase(unmuteConversation.pending, (state, action) => {
        state.changing[action.meta.arg] = true;
      })
      .addCase(unmuteConversation.fulfilled, (state, action) => {
        delete state.mutes[action.payload];
        delete state.changing[action.payload];
      })
      .addCase(unmuteConversation.rejected, (state, action) => {
        delete state.changing[action.meta.arg];
      })
      .addMatcher(isSessionChange, () => initialPushState);
  },
});

export const pushReducer = pushSlice.reducer;

type WithPush = { push: PushState };

export const selectPushStatus = (state: WithPush) => state.push.status;
export const selectPushError = (state: WithPush) => state.push.error;

/** A conversation's mute as held: until (RFC 3339), null (until unmuted), or undefined (none). */
export const selectMuteUntil = (state: WithPush, conversationId: string): string | null | undefined =>
  state.push.mutes[conversationId];

/** Whether a mute ending at `until` (see `selectMuteUntil`) is in force at `now`. */
export function muteInForce(until: string | null | undefined, now: Date): boolean {
  return until === null || (until !== undefined && Date.parse(until) > now.getTime());
}

/** Whether the conversation was muted at `at` (RFC 3339), for reducers that must stay pure. */
export function mutedAt(mutes: Record<string, string | null>, conversationId: string, at: string): boolean {
  if (!(conversationId in mutes)) return false;
  const until = mutes[conversationId];
  return until === null || until === undefined || Date.parse(until) > Date.parse(at);
}
