import { describe, expect, it } from 'vitest';
import { makeStore } from '../../app/store';
import { aliceUser, apiError, json, mockFetch, noContent } from '../../test/fetchMock';
import {
  authReducer,
  initialAuthState,
  loadCurrentUser,
  sessionEnded,
  signIn,
  signInBody,
  signOut,
  signUp,
} from './authSlice';

describe('signInBody', () => {
  it('sends an identifier containing @ as an email', () => {
    expect(signInBody({ identifier: ' alice@example.com ', password: 'pw' })).toEqual({
      email: 'alice@example.com',
      password: 'pw',
    });
  });

  it('sends any other identifier as a username', () => {
    expect(signInBody({ identifier: 'alice', password: 'pw' })).toEqual({
      username: 'alice',
      password: 'pw',
    });
  });
});

describe('auth reducer', () => {
  it('starts with an unknown session', () => {
    expect(authReducer(undefined, { type: 'init' })).toEqual(initialAuthState);
  });

  it('explains a session that ended while signed in', () => {
    const signedIn = { ...initialAuthState, user: aliceUser, session: 'authenticated' as const };
    const state = authReducer(signedIn, sessionEnded());
    expect(state.user).toBeNull();
    expect(state.session).toBe('anonymous');
    expect(state.notice).toMatch(/session has ended/);
  });

  it('says nothing when a visitor who never signed in has no session', () => {
    const state = authReducer(initialAuthState, sessionEnded());
    expect(state.session).toBe('anonymous');
    expect(state.notice).toBeNull();
  });
});

describe('signIn', () => {
  it('posts the credentials and signs the user in', async () => {
    const fetch = mockFetch(() => json(200, { user: aliceUser }));
    const store = makeStore();
    await store.dispatch(signIn({ identifier: 'alice', password: 'correct horse' }));
    expect(fetch.calls[0]?.path).toBe('/api/auth/signin');
    expect(fetch.calls[0]?.body).toEqual({ username: 'alice', password: 'correct horse' });
    expect(store.getState().auth).toMatchObject({
      user: aliceUser,
      session: 'authenticated',
      pending: null,
      error: null,
    });
    expect(store.getState().users.selfId).toBe(aliceUser.id);
  });

  it('keeps the server error when the credentials are wrong', async () => {
    mockFetch(() => apiError(401, 'invalid_credentials', 'Wrong email or password.'));
    const store = makeStore();
    const action = await store.dispatch(signIn({ identifier: 'a@b.co', password: 'nope-nope' }));
    expect(signIn.rejected.match(action)).toBe(true);
    expect(store.getState().auth.error).toMatchObject({ code: 'invalid_credentials', status: 401 });
    expect(store.getState().auth.pending).toBeNull();
    expect(store.getState().auth.user).toBeNull();
  });

  it('marks the form busy while the request runs', async () => {
    let answer: (response: Response) => void = () => {};
    mockFetch(() => new Promise<Response>((resolve) => (answer = resolve)));
    const store = makeStore();
    const running = store.dispatch(signIn({ identifier: 'alice', password: 'password1' }));
    expect(store.getState().auth.pending).toBe('signIn');
    answer(json(200, { user: aliceUser }));
    await running;
    expect(store.getState().auth.pending).toBeNull();
  });
});

describe('signUp', () => {
  it('creates the account and signs in', async () => {
    const fetch = mockFetch(() => json(201, { user: aliceUser }));
    const store = makeStore();
    await store.dispatch(
      signUp({ email: 'alice@example.com', username: 'alice', password: 'password1' }),
    );
    expect(fetch.calls[0]?.body).toEqual({
      email: 'alice@example.com',
      username: 'alice',
      password: 'password1',
    });
    expect(store.getState().auth.session).toBe('authenticated');
  });

  it('keeps the field errors of a 400', async () => {
    mockFetch(() =>
      apiError(400, 'invalid_input', 'Some fields are invalid.', { email: 'Not an address.' }),
    );
    const store = makeStore();
    await store.dispatch(signUp({ email: 'x', username: 'alice', password: 'password1' }));
    expect(store.getState().auth.error?.fields).toEqual({ email: 'Not an address.' });
  });
});

describe('loadCurrentUser', () => {
  it('signs in from existing cookies', async () => {
    mockFetch(() => json(200, { user: aliceUser }));
    const store = makeStore();
    await store.dispatch(loadCurrentUser());
    expect(store.getState().auth.session).toBe('authenticated');
    expect(store.getState().auth.user).toEqual(aliceUser);
  });

  it('settles on anonymous without a failing request or a notice when there is no session', async () => {
    const fetch = mockFetch(() => json(200, { user: null, refreshable: false }));
    const store = makeStore();
    await store.dispatch(loadCurrentUser());
    expect(fetch.paths()).toEqual(['GET /api/auth/session']);
    expect(store.getState().auth.session).toBe('anonymous');
    expect(store.getState().auth.notice).toBeNull();
  });

  it('recovers the session through the refresh cookie when the access cookie lapsed', async () => {
    let refreshed = false;
    const fetch = mockFetch(({ path }) => {
      if (path === '/api/auth/refresh') {
        refreshed = true;
        return json(200, { user: aliceUser });
      }
      return json(200, refreshed ? { user: aliceUser, refreshable: false } : { user: null, refreshable: true });
    });
    const store = makeStore();
    await store.dispatch(loadCurrentUser());
    expect(fetch.paths()).toEqual(['GET /api/auth/session', 'POST /api/auth/refresh', 'GET /api/auth/session']);
    expect(store.getState().auth.session).toBe('authenticated');
    expect(store.getState().auth.user).toEqual(aliceUser);
  });

  it('settles on anonymous without a notice when the refresh is refused', async () => {
    mockFetch(({ path }) =>
      path === '/api/auth/refresh'
        ? apiError(401, 'unauthenticated', 'Not signed in.')
        : json(200, { user: null, refreshable: true }),
    );
    const store = makeStore();
    await store.dispatch(loadCurrentUser());
    expect(store.getState().auth.session).toBe('anonymous');
    expect(store.getState().auth.notice).toBeNull();
  });

  it('says so when the refresh could not be attempted', async () => {
    mockFetch(({ path }) =>
      path === '/api/auth/refresh'
        ? apiError(503, 'unavailable', 'Auth is down.')
        : json(200, { user: null, refreshable: true }),
    );
    const store = makeStore();
    await store.dispatch(loadCurrentUser());
    expect(store.getState().auth.session).toBe('anonymous');
    expect(store.getState().auth.notice).toMatch(/could not check your session/i);
  });

  it('tells the user when the check itself failed', async () => {
    mockFetch(() => apiError(503, 'unavailable', 'Auth is down.'));
    const store = makeStore();
    await store.dispatch(loadCurrentUser());
    expect(store.getState().auth.session).toBe('anonymous');
    expect(store.getState().auth.notice).toMatch(/Auth is down/);
  });

  it('does not start a second check while one runs', async () => {
    let answer: (response: Response) => void = () => {};
    const fetch = mockFetch(() => new Promise<Response>((resolve) => (answer = resolve)));
    const store = makeStore();
    const first = store.dispatch(loadCurrentUser());
    await store.dispatch(loadCurrentUser());
    answer(json(200, { user: aliceUser }));
    await first;
    expect(fetch.calls).toHaveLength(1);
  });
});

describe('signOut', () => {
  it('clears the user and the directory', async () => {
    mockFetch(({ path }) =>
      path === '/api/auth/signout' ? noContent() : json(200, { user: aliceUser }),
    );
    const store = makeStore();
    await store.dispatch(signIn({ identifier: 'alice', password: 'password1' }));
    await store.dispatch(signOut());
    expect(store.getState().auth).toMatchObject({ user: null, session: 'anonymous', pending: null });
    expect(store.getState().users.selfId).toBeNull();
  });

  it('keeps the user signed in when the server could not sign out', async () => {
    mockFetch(({ path }) =>
      path === '/api/auth/signout'
        ? apiError(503, 'unavailable', 'Try later.')
        : json(200, { user: aliceUser }),
    );
    const store = makeStore();
    await store.dispatch(signIn({ identifier: 'alice', password: 'password1' }));
    await store.dispatch(signOut());
    expect(store.getState().auth.session).toBe('authenticated');
    expect(store.getState().auth.error?.code).toBe('unavailable');
  });
});
