/**
 * The user directory: everyone but the caller, with live presence. Seeded by `GET /api/users`,
 * then kept current by the notifications socket dispatching `presenceChanged` and
 * `userRegistered`. Order is the server's default: online first, then by username.
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
}

export const initialUsersState: UsersState = usersAdapter.getInitialState({
  status: 'idle',
  error: null,
  nextCursor: null,
  selfId: null,
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

/** Loads the first page (replacing the directory) or, given a cursor, appends the next one. */
export const fetchUsers = createUsersThunk(
  'users/fetch',
  async (arg: { cursor?: string | null } | undefined, { rejectWithValue, signal }) => {
    try {
      return await api.get<UserPage>('/api/users', {
        query: { limit: USERS_PAGE_SIZE, cursor: arg?.cursor },
        signal,
      });
    } catch (error) {
      return rejectWithValue(toApiErrorPayload(error));
    }
  },
  { condition: (_, { getState }) => getState().users.status !== 'loading' },
);

const usersSlice = createSlice({
  name: 'users',
  initialState: initialUsersState,
  reducers: {
    presenceChanged(state, action: PayloadAction<PresenceChange>) {
      const { userId, username, status, lastSeenAt } = action.payload;
      if (userId === state.selfId) return;
      // Unknown users are added: they exist, the directory page just had not reached them.
      usersAdapter.upsertOne(state, { id: userId, username, status, lastSeenAt });
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
      .addCase(fetchUsers.pending, (state) => {
        state.status = 'loading';
        state.error = null;
      })
      .addCase(fetchUsers.fulfilled, (state, action) => {
        const users = action.payload.users.filter((user) => user.id !== state.selfId);
        if (action.meta.arg?.cursor) usersAdapter.upsertMany(state, users);
        else usersAdapter.setAll(state, users);
        state.nextCursor = action.payload.nextCursor;
        state.status = 'succeeded';
      })
      .addCase(fetchUsers.rejected, (state, action) => {
        state.status = 'failed';
        state.error = action.payload ?? toApiErrorPayload(action.error);
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
