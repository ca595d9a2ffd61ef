import { describe, expect, it, vi } from 'vitest';
import { makeStore } from './store';
import { presenceChanged } from '../features/users/usersSlice';
import { lowPriority } from './lowPriority';

describe('lowPriority', () => {
  it('applies a burst at once but tells subscribers once, on the next frame', async () => {
    const store = makeStore();
    const listener = vi.fn();
    store.subscribe(listener);
    for (let i = 0; i < 100; i += 1) {
      store.dispatch(
        lowPriority(presenceChanged({ userId: `u${i}`, username: `user${i}`, status: 'online', lastSeenAt: null })),
      );
    }
    expect(store.getState().users.ids).toHaveLength(100);
    expect(listener).not.toHaveBeenCalled();
    await vi.waitFor(() => expect(listener).toHaveBeenCalledTimes(1));
  });

  it('keeps the action as it was, apart from the mark', () => {
    const action = presenceChanged({ userId: 'u', username: 'user', status: 'offline', lastSeenAt: null });
    const marked = lowPriority(action);
    expect(marked.type).toBe(action.type);
    expect(marked.payload).toBe(action.payload);
    expect((marked as { meta?: unknown }).meta).toEqual({ RTK_autoBatch: true });
  });
});
