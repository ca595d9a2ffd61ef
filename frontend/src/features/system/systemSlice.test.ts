import { describe, expect, it } from 'vitest';
import { makeStore } from '../../app/store';
import { apiError, json, mockFetch } from '../../test/fetchMock';
import {
  checkAllServices,
  checkService,
  initialSystemState,
  selectReachableCount,
  systemReducer,
} from './systemSlice';

describe('checkAllServices', () => {
  it('marks each service by whether its version route answers', async () => {
    const fetch = mockFetch(({ path }) => {
      switch (path) {
        case '/api/auth/version':
          return json(200, { service: 'auth', version: '1.2.3' });
        case '/api/users/version':
          return json(200, { service: 'users', version: '0.1.0' });
        case '/api/messages/version':
          return new Response('<html>502 Bad Gateway</html>', { status: 502 });
        default:
          return Promise.reject(new TypeError('Failed to fetch'));
      }
    });
    const store = makeStore();
    await store.dispatch(checkAllServices());

    const { system } = store.getState();
    expect(system.auth).toMatchObject({ reachability: 'reachable', service: 'auth', version: '1.2.3' });
    expect(system.users).toMatchObject({ reachability: 'reachable', version: '0.1.0' });
    expect(system.messages).toMatchObject({ reachability: 'unreachable', checking: false });
    expect(system.messages.error).toMatch(/HTTP 502/);
    expect(system.notifications.reachability).toBe('unreachable');
    expect(selectReachableCount(store.getState())).toBe(2);
    expect(fetch.calls).toHaveLength(4);
  });

  it('does not count an answer without {service, version}', async () => {
    mockFetch(() => json(200, { hello: 'world' }));
    const store = makeStore();
    await store.dispatch(checkService('auth'));
    expect(store.getState().system.auth.reachability).toBe('unreachable');
  });

  it('never tries a session refresh for the public version routes', async () => {
    const fetch = mockFetch(() => apiError(401, 'unauthorized', 'No.'));
    const store = makeStore();
    await store.dispatch(checkService('users'));
    expect(fetch.paths()).toEqual(['GET /api/users/version']);
  });
});

describe('system reducer', () => {
  it('ignores the answer of an older check', () => {
    const pending = (requestId: string) =>
      checkService.pending(requestId, 'auth');
    let state = systemReducer(initialSystemState, pending('old'));
    state = systemReducer(state, pending('new'));
    state = systemReducer(
      state,
      checkService.fulfilled({ service: 'auth', version: 'stale' }, 'old', 'auth'),
    );
    expect(state.auth.version).toBeNull();
    expect(state.auth.checking).toBe(true);
    state = systemReducer(
      state,
      checkService.fulfilled({ service: 'auth', version: 'fresh' }, 'new', 'auth'),
    );
    expect(state.auth.version).toBe('fresh');
    expect(state.auth.checking).toBe(false);
  });
});
