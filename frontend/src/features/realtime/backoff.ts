/** Reconnect delays: exponential from `BASE_DELAY_MS`, capped, with "equal jitter". */

export const BASE_DELAY_MS = 500;
export const MAX_DELAY_MS = 10_000;

/**
 * The wait before reconnect attempt `attempt` (0 for the first retry). Half of the exponential
 * step is fixed and half random, so a server restart does not make every client come back in
 * the same millisecond, yet no client retries in a tight loop.
 */
export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  const step = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, Math.min(attempt, 20)));
  return Math.round(step / 2 + (step / 2) * random());
}
