/**
 * Updates come in bursts: socket frames (a reconnect's backlog, a crowd coming online, a fast
 * chat) and server answers (the first pages at start, the refetches after a reconnect). Their
 * actions are marked for Redux Toolkit's auto-batching (`autoBatchEnhancer`, on in
 * `configureStore` by default): reducers still apply each one at once, so `getState()` is always
 * current, but subscribers (React) hear of a whole burst once, at the next animation frame (or
 * within 100 ms in a hidden tab), so the main thread renders once per frame instead of once per
 * update, in short tasks.
 */
import { SHOULD_AUTOBATCH, type UnknownAction } from '@reduxjs/toolkit';

/** The same action, marked so its store notification waits for the next frame. */
export function lowPriority<A extends UnknownAction>(action: A): A {
  const meta = (action as { meta?: Record<string, unknown> }).meta;
  return { ...action, meta: { ...meta, [SHOULD_AUTOBATCH]: true } };
}
