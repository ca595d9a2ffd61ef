import { afterEach, describe, expect, it, vi } from 'vitest';
import { apiError, json, mockFetch, noContent } from '../test/fetchMock';
import { ApiError, api, apiRequest, setSessionExpiredHandler } from './client';

afterEach(() => setSessionExpiredHandler(null));

async function caught(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('requests', () => {
  it('sends cookies and a JSON body on POST', async () => {
    const fetch = mockFetch(() => json(200, { ok: true }));
    await api.post('/api/auth/signin', { username: 'alice', password: 'pw' });
    const [call] = fetch.calls;
    expect(call?.method).toBe('POST');
    expect(call?.credentials).toBe('include');
    expect(call?.headers['Content-Type']).toBe('application/json');
    expect(call?.body).toEqual({ username: 'alice', password: 'pw' });
  });

  it('sends a GET without a body or content type and leaves out empty query values', async () => {
    const fetch = mockFetch(() => json(200, { users: [] }));
    await api.get('/api/users', { query: { limit: 50, cursor: null, q: undefined } });
    const [call] = fetch.calls;
    expect(call?.headers['Content-Type']).toBeUndefined();
    expect(call?.body).toBeUndefined();
    expect(call?.search.toString()).toBe('limit=50');
  });

  it('answers undefined for a 204', async () => {
    mockFetch(() => noContent());
    await expect(api.post('/api/auth/signout')).resolves.toBeUndefined();
  });
});

describe('errors', () => {
  it('parses the contract error body into a typed ApiError', async () => {
    mockFetch(() =>
      apiError(400, 'invalid_input', 'Some fields are invalid.', { username: 'Too short.' }),
    );
    const error = await caught(api.post('/api/auth/signup', {}));
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(400);
    expect(error.code).toBe('invalid_input');
    expect(error.message).toBe('Some fields are invalid.');
    expect(error.fields).toEqual({ username: 'Too short.' });
  });

  it('accepts field messages sent as arrays', async () => {
    mockFetch(() =>
      json(400, { error: { code: 'invalid_input', message: 'Bad.', fields: { email: ['a', 'b'] } } }),
    );
    const error = await caught(api.post('/api/auth/signup', {}));
    expect(error.fields).toEqual({ email: 'a b' });
  });

  it('turns a non-JSON gateway error page into `unavailable`', async () => {
    mockFetch(() => new Response('<html>502 Bad Gateway</html>', { status: 502 }));
    const error = await caught(api.get('/api/users/version', { refreshOnUnauthorized: false }));
    expect(error.status).toBe(502);
    expect(error.code).toBe('unavailable');
  });

  it('reads Retry-After on a 429', async () => {
    mockFetch(() =>
      apiError(429, 'rate_limited', 'Too many attempts.', undefined, { 'Retry-After': '30' }),
    );
    const error = await caught(api.post('/api/auth/signin', {}));
    expect(error.code).toBe('rate_limited');
    expect(error.retryAfterSeconds).toBe(30);
  });

  it('reports a network failure with status 0', async () => {
    mockFetch(() => Promise.reject(new TypeError('Failed to fetch')));
    const error = await caught(api.get('/api/users'));
    expect(error.status).toBe(0);
    expect(error.code).toBe('network_error');
  });

  it('rejects a 200 whose body is not JSON', async () => {
    mockFetch(() => new Response('<!doctype html>', { status: 200 }));
    const error = await caught(api.get('/api/auth/version'));
    expect(error.code).toBe('invalid_response');
  });
});

describe('silent refresh', () => {
  it('refreshes once after a 401 and retries the call', async () => {
    let refreshed = false;
    const fetch = mockFetch(({ path }) => {
      if (path === '/api/auth/refresh') {
        refreshed = true;
        return json(200, { user: {} });
      }
      return refreshed ? json(200, { users: [], nextCursor: null }) : apiError(401, 'unauthorized', 'No.');
    });
    await expect(api.get('/api/users')).resolves.toEqual({ users: [], nextCursor: null });
    expect(fetch.paths()).toEqual(['GET /api/users', 'POST /api/auth/refresh', 'GET /api/users']);
  });

  it('reads every answer to the end, the refused call and the refresh too', async () => {
    // An unread body keeps the request open in the browser (and tools waiting for a quiet
    // network wait for ever).
    const answers: Response[] = [];
    let refreshed = false;
    mockFetch(({ path }) => {
      const answer =
        path === '/api/auth/refresh'
          ? ((refreshed = true), json(200, { user: {} }))
          : refreshed
            ? json(200, { users: [], nextCursor: null })
            : apiError(401, 'unauthorized', 'No.');
      answers.push(answer);
      return answer;
    });
    await api.get('/api/users');
    expect(answers).toHaveLength(3);
    expect(answers.map((answer) => answer.bodyUsed)).toEqual([true, true, true]);
  });

  it('shares one refresh between calls that fail together', async () => {
    let refreshed = false;
    const fetch = mockFetch(async ({ path }) => {
      if (path === '/api/auth/refresh') {
        await Promise.resolve();
        refreshed = true;
        return json(200, { user: {} });
      }
      return refreshed ? json(200, { path }) : apiError(401, 'unauthorized', 'No.');
    });
    const answers = await Promise.all([api.get('/api/users'), api.get('/api/notifications')]);
    expect(answers).toEqual([{ path: '/api/users' }, { path: '/api/notifications' }]);
    expect(fetch.paths().filter((call) => call === 'POST /api/auth/refresh')).toHaveLength(1);
  });

  it('ends the session when the refresh is refused', async () => {
    const expired = vi.fn();
    setSessionExpiredHandler(expired);
    const fetch = mockFetch(() => apiError(401, 'unauthorized', 'No session.'));
    const error = await caught(api.get('/api/users'));
    expect(error.status).toBe(401);
    expect(expired).toHaveBeenCalledOnce();
    expect(fetch.paths()).toEqual(['GET /api/users', 'POST /api/auth/refresh']);
  });

  it('keeps the session when the refresh could not be attempted', async () => {
    const expired = vi.fn();
    setSessionExpiredHandler(expired);
    mockFetch(({ path }) =>
      path === '/api/auth/refresh'
        ? apiError(503, 'unavailable', 'Down.')
        : apiError(401, 'unauthorized', 'No.'),
    );
    await caught(api.get('/api/users'));
    expect(expired).not.toHaveBeenCalled();
  });

  it('never refreshes after a failed sign-in', async () => {
    const fetch = mockFetch(() => apiError(401, 'invalid_credentials', 'Wrong email or password.'));
    const error = await caught(api.post('/api/auth/signin', { username: 'a', password: 'b' }));
    expect(error.code).toBe('invalid_credentials');
    expect(fetch.paths()).toEqual(['POST /api/auth/signin']);
  });

  it('does refresh for currentuser, whose 401 may only mean a stale auth cookie', async () => {
    const fetch = mockFetch(() => apiError(401, 'unauthorized', 'No.'));
    await caught(apiRequest('/api/auth/currentuser'));
    expect(fetch.paths()).toEqual(['GET /api/auth/currentuser', 'POST /api/auth/refresh']);
  });

  it('can be switched off per call', async () => {
    const fetch = mockFetch(() => apiError(401, 'unauthorized', 'No.'));
    await caught(api.get('/api/users/version', { refreshOnUnauthorized: false }));
    expect(fetch.paths()).toEqual(['GET /api/users/version']);
  });
});
