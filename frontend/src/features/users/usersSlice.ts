/**
 * The user directory: everyone but the caller, with live presence. Seeded by `GET /api/users`,
 * then kept current by the notifications socket dispatching `presenceChanged` and
 * `userRegistered`. Order is the server's default: online first, then by username.
 *
 * Search (`q`, a username prefix) merges its matches into the same directory, and the list on
 * screen filters by the prefix locally, so presence and sign-ups keep applying to the results.
 */
import {
  createAsyncThunk,
  createEntityAdapter,
  createSlice,
  type PayloadAction,
} from '@reduxjs/toolkit';
import { api, toApiErrorPayload, type ApiErrorPayload } from '../../api/client';
import type { DirectoryUser, PresenceStatus, UserPage } from '../../api/types';
import { loadCurrentUser, sessionEnded, signIn, signOut, signUp } from '../auth/authSlice';

export const USERS_PAGE_SIZE = 100;

/** Online first, then case-insensitive username, then id so the order is total. */
export function compareDirectoryUsers(a: DirectoryUser, b: DirectoryUser): number {
  if (a.status !== b.status) return a.status === 'online' ? -1 : 1;
  const byName = a.username.toLowerCase().localeCompare(b.username.toLowerCase());
  if (byName !== 0) return byName;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

const usersAdapter = createEntityAdapter<DirectoryUser>({ sortComparer: compareDirectoryUsers });

export type LoadStatus = 'idle' | 'loading' | 'succeeded' | 'failed';

export interface UsersState extends ReturnType<typeof usersAdapter.getInitialState> {
  status: LoadStatus;
  error: ApiErrorPayload | null;
  /** Cursor for the next page, null when the whole directory is loaded. */
  nextCursor: string | null;
  /** The signed-in user's id: socket events about the caller never enter the directory. */
  selfId: string | null;
  /** The username prefix of the latest fetch ('' for the plain directory). */
  query: string;
  /** The latest fetch, so the answer to an older search cannot overwrite a newer one. */
  latestRequestId: string | null;
}

export const initialUsersState: UsersState = usersAdapter.getInitialState({
  status: 'idle',
  error: null,
  nextCursor: null,
  selfId: null,
  query: '',
  latestRequestId: null,
});

/** Payload of the notifications socket's `presence` frame. */
export interface PresenceChange {
  userId: string;
  username: string;
  status: PresenceStatus;
  lastSeenAt: string | null;
}

/** The `user` of the notifications socket's `user.registered` frame. */
export interface RegisteredUser {
  id: string;
  username: string;
  status: PresenceStatus;
}

const createUsersThunk = createAsyncThunk.withTypes<{
  state: { users: UsersState };
  rejectValue: ApiErrorPayload;
}>();

export interface FetchUsersArg {
  cursor?: string | null;
  /** A username prefix (`q`); its matches are merged into the directory. */
  q?: string;
}

/**
 * Loads the first page (replacing the directory) or, given a cursor, appends the next one. With
 * `q`, loads the users whose name starts with it and merges them in.
 */
export const fetchUsers = createUsersThunk(
  'users/fetch',
  async (arg: FetchUsersArg | undefined, { rejectWithValue, signal }) => {
    try {
      return await api.get<UserPage>('/api/users', {
        query: { limit: USERS_PAGE_SIZE, cursor: arg?.cursor, q: arg?.q || undefined },
        signal,
      });
    } catch (error) {
      return rejectWithValue(toApiErrorPayload(error));
    }
  },
  {
    // The same listing twice at once is pointless; a different search supersedes the running one.
    condition: (arg, { getState }) => {
      const { status, query } = getState().users;
      return status !== 'loading' || (arg?.q ?? '') !== query;
    },
  },
);

/** Whether `username` matches a search prefix, as the server's `q` does (case-insensitive). */
export function matchesQuery(username: string, query: string): boolean {
  const prefix = query.trim().toLowerCase();
  return prefix === '' || username.toLowerCase().startsWith(prefix);
}

/** One user by id (`GET /api/users/{id}`), for a chat opened by URL with someone not listed. */
export const fetchUser = createUsersThunk(
  'users/fetchOne',
  async (id: string, { rejectWithValue }) => {
    try {
      return await api.get<DirectoryUser>(`/api/users/${encodeURIComponent(id)}`);
    } catch (error) {
      return rejectWithValue(toApiErrorPayload(error));
    }
  },
);

/**
 * A listed user against the one held. The listing may have been computed before a `presence`
 * frame that already arrived; `lastSeenAt` is the time of the last presence change the value
 * reflects, so the held presence stays when it is strictly newer.
 */
export function keepNewerPresence(held: DirectoryUser | undefined, fresh: DirectoryUser): DirectoryUser {
  if (!held?.lastSeenAt) return fresh;
  if (fresh.lastSeenAt && Date.parse(fresh.lastSeenAt) >= Date.parse(held.lastSeenAt)) return fresh;
  return { ...fresh, status: held.status, lastSeenAt: held.lastSeenAt };
}

/** Whether the directory holds exactly `users`, in this order, with the same values. */
function sameDirectory(state: UsersState, users: DirectoryUser[]): boolean {
  if (state.ids.length !== users.length) return false;
  return users.every((user, index) => {
    const held = state.entities[user.id];
    return (
      state.ids[index] === user.id &&
      held !== undefined &&
      held.username === user.username &&
      held.status === user.status &&
      held.lastSeenAt === user.lastSeenAt
    );
  });
}

const usersSlice = createSlice({
  name: 'users',
  initialState: initialUsersState,
  reducers: {
    presenceChanged(state, action: PayloadAction<PresenceChange>) {
      const { userId, username, status, lastSeenAt } = action.payload;
      if (userId === state.selfId) return;
      // Frames can arrive late (reconnects, two nodes): one older than what we hold is stale.
      const held = state.entities[userId];
      if (held?.lastSeenAt && lastSeenAt && Date.parse(lastSeenAt) < Date.parse(held.lastSeenAt)) return;
      // Unknown users are added: they exist, the directory page just had not reached them.
      usersAdapter.upsertOne(state, { id: userId, username, status, lastSeenAt: lastSeenAt ?? held?.lastSeenAt ?? null });
    },
    userRegistered(state, action: PayloadAction<RegisteredUser>) {
      const { id, username, status } = action.payload;
      // A presence event may already have arrived for this user; it is the fresher news.
      if (id === state.selfId || state.entities[id]) return;
      usersAdapter.addOne(state, { id, username, status, lastSeenAt: null });
    },
  },
  extraReducers: (builder) => {
    const reset = () => initialUsersState;
    builder
      .addCase(fetchUsers.pending, (state, action) => {
        state.status = 'loading';
        state.error = null;
        state.query = action.meta.arg?.q ?? '';
        state.latestRequestId = action.meta.requestId;
      })
      .addCase(fetchUsers.fulfilled, (state, action) => {
        if (action.meta.requestId !== state.latestRequestId) return;
        const users = action.payload.users
          .filter((user) => user.id !== state.selfId)
          .map((fresh) => keepNewerPresence(state.entities[fresh.id], fresh));
        if (action.meta.arg?.cursor || action.meta.arg?.q) usersAdapter.upsertMany(state, users);
        // The same first page again (every socket open re-reads it) leaves the directory as it
        // is, so nothing that shows it or a name from it renders again for nothing.
        else if (!sameDirectory(state, users)) usersAdapter.setAll(state, users);
        state.nextCursor = action.payload.nextCursor;
        state.status = 'succeeded';
      })
      .addCase(fetchUsers.rejected, (state, action) => {
        if (action.meta.requestId !== state.latestRequestId) return;
        state.status = 'failed';
        state.error = action.payload ?? toApiErrorPayload(action.error);
      })
      .addCase(fetchUser.fulfilled, (state, action) => {
        const user = action.payload;
        if (user.id !== state.selfId && !state.entities[user.id]) usersAdapter.addOne(state, user);
      })
      .addCase(loadCurrentUser.fulfilled, (state, action) => {
        state.selfId = action.payload.id;
      })
      .addCase(signIn.fulfilled, (_state, action) => ({ ...initialUsersState, selfId: action.payload.id }))
      .addCase(signUp.fulfilled, (_state, action) => ({ ...initialUsersState, selfId: action.payload.id }))
      .addCase(signOut.fulfilled, reset)
      .addCase(signOut.rejected, (state, action) =>
        action.payload?.status === 401 ? initialUsersState : state,
      )
      .addCase(sessionEnded, reset);
  },
});

export const { presenceChanged, userRegistered } = usersSlice.actions;
export const usersReducer = usersSlice.reducer;

type WithUsers = { users: UsersState };
const adapterSelectors = usersAdapter.getSelectors((state: WithUsers) => state.users);
export const selectDirectory = adapterSelectors.selectAll;
export const selectDirectoryUserById = adapterSelectors.selectById;
export const selectUsersStatus = (state: WithUsers) => state.users.status;
export const selectUsersError = (state: WithUsers) => state.users.error;
export const selectUsersNextCursor = (state: WithUsers) => state.users.nextCursor;
export const selectOnlineCount = (state: WithUsers) =>
  state.users.ids.reduce(
    (count, id) => (state.users.entities[id]?.status === 'online' ? count + 1 : count),
    0,
  );
