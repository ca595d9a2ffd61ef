import { describe, expect, it } from 'vitest';
import type { DirectoryUser } from '../../api/types';
import { makeStore } from '../../app/store';
import { aliceUser, json, mockFetch, noContent } from '../../test/fetchMock';
import { signIn, signOut } from '../auth/authSlice';
import {
  fetchUsers,
  initialUsersState,
  presenceChanged,
  selectDirectory,
  selectOnlineCount,
  userRegistered,
  usersReducer,
  type UsersState,
} from './usersSlice';

const bob: DirectoryUser = { id: 'u-bob', username: 'bob', status: 'offline', lastSeenAt: null };
const carol: DirectoryUser = {
  id: 'u-carol',
  username: 'Carol',
  status: 'online',
  lastSeenAt: '2025-01-01T10:00:00Z',
};
const dave: DirectoryUser = { id: 'u-dave', username: 'dave', status: 'offline', lastSeenAt: null };

function stateWith(users: DirectoryUser[], selfId: string | null = 'u-self'): UsersState {
  return users.reduce(
    (state, user) => usersReducer(state, presenceChanged({ ...user, userId: user.id })),
    { ...initialUsersState, selfId },
  );
}

const names = (state: UsersState) => selectDirectory({ users: state }).map((user) => user.username);

describe('ordering', () => {
  it('lists online users first, then by username without regard to case', () => {
    expect(names(stateWith([dave, bob, carol]))).toEqual(['Carol', 'bob', 'dave']);
  });
});

describe('presenceChanged', () => {
  it('updates a known user and moves them in the order', () => {
    const state = usersReducer(
      stateWith([bob, carol, dave]),
      presenceChanged({ userId: 'u-dave', username: 'dave', status: 'online', lastSeenAt: null }),
    );
    expect(names(state)).toEqual(['Carol', 'dave', 'bob']);
    expect(state.entities['u-dave']?.status).toBe('online');
    expect(selectOnlineCount({ users: state })).toBe(2);
  });

  it('records when a user went offline', () => {
    const state = usersReducer(
      stateWith([carol]),
      presenceChanged({
        userId: 'u-carol',
        username: 'Carol',
        status: 'offline',
        lastSeenAt: '2025-01-02T00:00:00Z',
      }),
    );
    expect(state.entities['u-carol']).toEqual({
      id: 'u-carol',
      username: 'Carol',
      status: 'offline',
      lastSeenAt: '2025-01-02T00:00:00Z',
    });
  });

  it('adds a user the directory had not loaded yet', () => {
    const state = usersReducer(
      stateWith([bob]),
      presenceChanged({ userId: 'u-erin', username: 'erin', status: 'online', lastSeenAt: null }),
    );
    expect(names(state)).toEqual(['erin', 'bob']);
  });

  it('ignores the signed-in user', () => {
    const state = usersReducer(
      stateWith([bob]),
      presenceChanged({ userId: 'u-self', username: 'me', status: 'online', lastSeenAt: null }),
    );
    expect(names(state)).toEqual(['bob']);
  });
});

describe('userRegistered', () => {
  it('adds the new user', () => {
    const state = usersReducer(
      stateWith([bob]),
      userRegistered({ id: 'u-aaron', username: 'aaron', status: 'offline' }),
    );
    expect(names(state)).toEqual(['aaron', 'bob']);
    expect(state.entities['u-aaron']?.lastSeenAt).toBeNull();
  });

  it('does not overwrite presence that arrived first', () => {
    const state = usersReducer(
      stateWith([carol]),
      userRegistered({ id: 'u-carol', username: 'Carol', status: 'offline' }),
    );
    expect(state.entities['u-carol']?.status).toBe('online');
  });

  it('ignores the signed-in user', () => {
    const state = usersReducer(
      stateWith([]),
      userRegistered({ id: 'u-self', username: 'me', status: 'online' }),
    );
    expect(state.ids).toEqual([]);
  });
});

describe('fetchUsers', () => {
  it('loads the first page, leaving out the caller', async () => {
    const fetch = mockFetch(({ path }) => {
      if (path === '/api/auth/signin') return json(200, { user: aliceUser });
      return json(200, {
        users: [bob, { ...carol }, { id: aliceUser.id, username: 'alice', status: 'online', lastSeenAt: null }],
        nextCursor: 'next-page',
      });
    });
    const store = makeStore();
    await store.dispatch(signIn({ identifier: 'alice', password: 'password1' }));
    await store.dispatch(fetchUsers());

    const request = fetch.calls[1];
    expect(request?.path).toBe('/api/users');
    expect(request?.search.get('limit')).toBe('100');
    expect(request?.search.has('cursor')).toBe(false);
    const users = store.getState().users;
    expect(names(users)).toEqual(['Carol', 'bob']);
    expect(users.status).toBe('succeeded');
    expect(users.nextCursor).toBe('next-page');
  });

  it('appends the next page by cursor', async () => {
    const fetch = mockFetch(({ search }) =>
      search.get('cursor') === 'p2'
        ? json(200, { users: [dave], nextCursor: null })
        : json(200, { users: [bob], nextCursor: 'p2' }),
    );
    const store = makeStore();
    await store.dispatch(fetchUsers());
    await store.dispatch(fetchUsers({ cursor: 'p2' }));
    expect(fetch.calls[1]?.search.get('cursor')).toBe('p2');
    expect(names(store.getState().users)).toEqual(['bob', 'dave']);
    expect(store.getState().users.nextCursor).toBeNull();
  });

  it('records a failure', async () => {
    mockFetch(() => json(503, { error: { code: 'unavailable', message: 'Users is down.' } }));
    const store = makeStore();
    await store.dispatch(fetchUsers());
    expect(store.getState().users.status).toBe('failed');
    expect(store.getState().users.error?.message).toBe('Users is down.');
  });

  it('is emptied by a sign-out', async () => {
    mockFetch(({ path }) => {
      if (path === '/api/auth/signout') return noContent();
      return json(200, { users: [bob], nextCursor: null });
    });
    const store = makeStore();
    await store.dispatch(fetchUsers());
    await store.dispatch(signOut());
    expect(store.getState().users.ids).toEqual([]);
    expect(store.getState().users.status).toBe('idle');
  });
});
