/**
 * Who is signed in. The session itself lives in HttpOnly cookies the app cannot read, so the
 * only way to know is to ask (`loadCurrentUser`); `session` says how far that has got.
 */
import { createAsyncThunk, createSlice, type PayloadAction } from '@reduxjs/toolkit';
import { api, refreshSession, toApiErrorPayload, type ApiErrorPayload } from '../../api/client';
import type { User, UserEnvelope } from '../../api/types';
import { isEmailIdentifier, type SignInInput, type SignUpInput } from './validation';

/** `unknown` before the first check, `checking` while it runs. */
export type SessionStatus = 'unknown' | 'checking' | 'authenticated' | 'anonymous';

/** Which form action is waiting on the server, so buttons can show progress. */
export type PendingAction = 'signUp' | 'signIn' | 'signOut' | null;

export interface AuthState {
  user: User | null;
  session: SessionStatus;
  pending: PendingAction;
  /** The last failed form action's error (the forms also read it from `unwrap()`). */
  error: ApiErrorPayload | null;
  /** A one-off message for the sign-in page, e.g. why the user was signed out. */
  notice: string | null;
}

export const initialAuthState: AuthState = {
  user: null,
  session: 'unknown',
  pending: null,
  error: null,
  notice: null,
};

const createAuthThunk = createAsyncThunk.withTypes<{
  state: { auth: AuthState };
  rejectValue: ApiErrorPayload;
}>();

/** The answer of `GET /api/auth/session` (auth's probe, outside the contract). */
interface SessionAnswer {
  user: User | null;
  /** No valid access cookie, but a refresh cookie came along: a refresh may sign in again. */
  refreshable: boolean;
}

/** How "nobody is signed in" is reported: the rejection a 401 from `currentuser` would be. */
const NO_SESSION: ApiErrorPayload = {
  status: 401,
  code: 'unauthenticated',
  message: 'You are not signed in.',
  fields: {},
  retryAfterSeconds: null,
};

/**
 * Asks the auth service whose cookies these are; rejects with a 401 payload for "nobody".
 * It asks `GET /api/auth/session`, which answers 200 either way: `currentuser` answers a
 * signed-out visitor with a 401, and browsers log every such answer as an error. Only when the
 * access cookie has lapsed but a refresh cookie is there does it refresh and ask again.
 */
export const loadCurrentUser = createAuthThunk(
  'auth/loadCurrentUser',
  async (_: void, { rejectWithValue }) => {
    try {
      const first = await api.get<SessionAnswer>('/api/auth/session');
      if (first.user) return first.user;
      if (!first.refreshable) return rejectWithValue(NO_SESSION);
      const outcome = await refreshSession();
      if (outcome === 'ended') return rejectWithValue(NO_SESSION);
      if (outcome === 'failed') {
        const message = 'Could not renew the session.';
        return rejectWithValue({ ...NO_SESSION, status: 0, code: 'unavailable', message });
      }
      const second = await api.get<SessionAnswer>('/api/auth/session');
      return second.user ?? rejectWithValue(NO_SESSION);
    } catch (error) {
      return rejectWithValue(toApiErrorPayload(error));
    }
  },
  { condition: (_, { getState }) => getState().auth.session !== 'checking' },
);

export const signUp = createAuthThunk(
  'auth/signUp',
  async (input: SignUpInput, { rejectWithValue }) => {
    try {
      const { user } = await api.post<UserEnvelope>('/api/auth/signup', {
        email: input.email,
        username: input.username,
        password: input.password,
      });
      return user;
    } catch (error) {
      return rejectWithValue(toApiErrorPayload(error));
    }
  },
);

/** The contract takes `{email, password}` or `{username, password}`; '@' decides which. */
export function signInBody(input: SignInInput): Record<string, string> {
  const identifier = input.identifier.trim();
  return isEmailIdentifier(identifier)
    ? { email: identifier, password: input.password }
    : { username: identifier, password: input.password };
}

export const signIn = createAuthThunk(
  'auth/signIn',
  async (input: SignInInput, { rejectWithValue }) => {
    try {
      const { user } = await api.post<UserEnvelope>('/api/auth/signin', signInBody(input));
      return user;
    } catch (error) {
      return rejectWithValue(toApiErrorPayload(error));
    }
  },
);

export const signOut = createAuthThunk('auth/signOut', async (_: void, { rejectWithValue }) => {
  try {
    await api.post<void>('/api/auth/signout');
  } catch (error) {
    return rejectWithValue(toApiErrorPayload(error));
  }
});

function becomeSignedIn(state: AuthState, user: User) {
  state.user = user;
  state.session = 'authenticated';
  state.pending = null;
  state.error = null;
  state.notice = null;
}

function becomeAnonymous(state: AuthState) {
  state.user = null;
  state.session = 'anonymous';
  state.pending = null;
}

const authSlice = createSlice({
  name: 'auth',
  initialState: initialAuthState,
  reducers: {
    /** The server ended the session (refresh refused, socket closed with 4001, ...). */
    sessionEnded(state, action: PayloadAction<string | undefined>) {
      const wasSignedIn = state.user !== null;
      becomeAnonymous(state);
      if (wasSignedIn) {
        state.notice = action.payload ?? 'Your session has ended. Please sign in again.';
      }
    },
    clearAuthError(state) {
      state.error = null;
    },
    clearNotice(state) {
      state.notice = null;
    },
  },
  extraReducers: (builder) => {
    builder
      .addCase(loadCurrentUser.pending, (state) => {
        // A re-check while signed in must not flash the "checking" screen.
        if (state.session !== 'authenticated') state.session = 'checking';
      })
      .addCase(loadCurrentUser.fulfilled, (state, action) => {
        state.user = action.payload;
        state.session = 'authenticated';
      })
      .addCase(loadCurrentUser.rejected, (state, action) => {
        becomeAnonymous(state);
        const error = action.payload;
        if (error && error.status !== 401) {
          state.notice = `We could not check your session: ${error.message}`;
        }
      })
      .addCase(signUp.pending, (state) => {
        state.pending = 'signUp';
        state.error = null;
      })
      .addCase(signIn.pending, (state) => {
        state.pending = 'signIn';
        state.error = null;
      })
      .addCase(signUp.fulfilled, (state, action) => becomeSignedIn(state, action.payload))
      .addCase(signIn.fulfilled, (state, action) => becomeSignedIn(state, action.payload))
      .addCase(signUp.rejected, (state, action) => {
        state.pending = null;
        state.error = action.payload ?? toApiErrorPayload(action.error);
      })
      .addCase(signIn.rejected, (state, action) => {
        state.pending = null;
        state.error = action.payload ?? toApiErrorPayload(action.error);
      })
      .addCase(signOut.pending, (state) => {
        state.pending = 'signOut';
        state.error = null;
      })
      .addCase(signOut.fulfilled, (state) => {
        becomeAnonymous(state);
        state.notice = null;
      })
      .addCase(signOut.rejected, (state, action) => {
        // A 401 means the session was already gone: the user is signed out either way.
        if (action.payload?.status === 401) {
          becomeAnonymous(state);
          state.notice = null;
          return;
        }
        state.pending = null;
        state.error = action.payload ?? toApiErrorPayload(action.error);
      });
  },
});

export const { sessionEnded, clearAuthError, clearNotice } = authSlice.actions;
export const authReducer = authSlice.reducer;

type WithAuth = { auth: AuthState };
export const selectCurrentUser = (state: WithAuth) => state.auth.user;
export const selectSessionStatus = (state: WithAuth) => state.auth.session;
export const selectAuthPending = (state: WithAuth) => state.auth.pending;
export const selectAuthError = (state: WithAuth) => state.auth.error;
export const selectAuthNotice = (state: WithAuth) => state.auth.notice;
