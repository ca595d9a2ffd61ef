import { describe, expect, it } from 'vitest';
import type { DirectoryUser } from '../../api/types';
import { makeStore } from '../../app/store';
import { aliceUser, json, mockFetch, noContent } from '../../test/fetchMock';
import { signIn, signOut } from '../auth/authSlice';
import {
  fetchUsers,
  initialUsersState,
  keepNewerPresence,
  matchesQuery,
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

describe('stale presence', () => {
  it('ignores a frame older than the presence it holds', () => {
    const seen = { ...carol, status: 'offline' as const, lastSeenAt: '2025-01-02T00:00:10Z' };
    const state = usersReducer(
      stateWith([seen]),
      presenceChanged({ userId: carol.id, username: 'Carol', status: 'online', lastSeenAt: '2025-01-02T00:00:05Z' }),
    );
    expect(state.entities[carol.id]?.status).toBe('offline');
  });
});

describe('search', () => {
  it('asks the server with q and merges the matches into the directory', async () => {
    const fetch = mockFetch(({ search }) =>
      search.get('q') === 'da'
        ? json(200, { users: [dave], nextCursor: null })
        : json(200, { users: [bob], nextCursor: null }),
    );
    const store = makeStore();
    await store.dispatch(fetchUsers());
    await store.dispatch(fetchUsers({ q: 'da' }));
    expect(fetch.calls[1]?.search.get('q')).toBe('da');
    expect(names(store.getState().users)).toEqual(['bob', 'dave']);
    expect(store.getState().users.query).toBe('da');
  });

  it('lets a newer search supersede a running one, whose late answer is ignored', async () => {
    const answers = new Map<string, (response: Response) => void>();
    mockFetch(({ search }) => new Promise<Response>((resolve) => answers.set(search.get('q') ?? '', resolve)));
    const store = makeStore();
    const first = store.dispatch(fetchUsers({ q: 'b' }));
    const second = store.dispatch(fetchUsers({ q: 'bo' }));
    answers.get('bo')?.(json(200, { users: [bob], nextCursor: null }));
    await second;
    answers.get('b')?.(json(200, { users: [bob, dave], nextCursor: 'stale' }));
    await first;
    expect(store.getState().users.nextCursor).toBeNull();
    expect(store.getState().users.query).toBe('bo');
  });

  it('matches a username prefix without regard to case', () => {
    expect(matchesQuery('Carol', 'ca')).toBe(true);
    expect(matchesQuery('Carol', ' CAR ')).toBe(true);
    expect(matchesQuery('Carol', 'arol')).toBe(false);
    expect(matchesQuery('Carol', '')).toBe(true);
  });
});

describe('a listing that raced presence frames', () => {
  it('keeps a presence change newer than the listing', async () => {
    let answer: (response: Response) => void = () => {};
    mockFetch(() => new Promise<Response>((resolve) => (answer = resolve)));
    const store = makeStore();
    const fetching = store.dispatch(fetchUsers());
    store.dispatch(
      presenceChanged({ userId: 'u-dave', username: 'dave', status: 'online', lastSeenAt: '2025-01-03T00:00:00Z' }),
    );
    answer(json(200, { users: [{ ...dave, lastSeenAt: '2025-01-02T00:00:00Z' }], nextCursor: null }));
    await fetching;
    expect(store.getState().users.entities['u-dave']?.status).toBe('online');
  });

  it('takes the listing when it is newer', () => {
    const held = { ...dave, status: 'online' as const, lastSeenAt: '2025-01-01T00:00:00Z' };
    const fresh = { ...dave, status: 'offline' as const, lastSeenAt: '2025-01-02T00:00:00Z' };
    expect(keepNewerPresence(held, fresh)).toEqual(fresh);
    expect(keepNewerPresence(undefined, fresh)).toEqual(fresh);
  });
});
