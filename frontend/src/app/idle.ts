/**
 * Work a page does not need for its first paint (the header's menus loading their data, the
 * sidebar's long lists) waits for the browser's first idle moment, so it runs as tasks of its
 * own after the first commit instead of lengthening it. `timeoutMs` bounds the wait on a page
 * that is never idle; browsers without `requestIdleCallback` (Safari) wait for a timer.
 */
import { useEffect, useState } from 'react';

/** Runs `callback` when the browser is next idle (at the latest after `timeoutMs`); returns a
 *  function that cancels it. */
export function whenIdle(callback: () => void, timeoutMs: number): () => void {
  if (typeof window.requestIdleCallback === 'function') {
    const handle = window.requestIdleCallback(callback, { timeout: timeoutMs });
    return () => window.cancelIdleCallback(handle);
  }
  const timer = setTimeout(callback, Math.min(timeoutMs, 50));
  return () => clearTimeout(timer);
}

/** How long deferred work may wait for an idle moment. */
export const IDLE_TIMEOUT_MS = 1_000;

/** False on the first render, true from the browser's first idle moment after the mount. */
export function useIdleReady(): boolean {
  const [ready, setReady] = useState(false);
  useEffect(() => {
    if (ready) return;
    return whenIdle(() => setReady(true), IDLE_TIMEOUT_MS);
  }, [ready]);
  return ready;
}
