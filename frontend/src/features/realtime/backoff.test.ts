import { describe, expect, it } from 'vitest';
import { MAX_DELAY_MS, reconnectDelay } from './backoff';

describe('reconnectDelay', () => {
  it('doubles from half a second and stops at about ten seconds', () => {
    const upper = (attempt: number) => reconnectDelay(attempt, () => 1);
    expect([0, 1, 2, 3, 4, 5, 6, 30].map(upper)).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
  });

  it('jitters within the upper half of each step', () => {
    expect(reconnectDelay(3, () => 0)).toBe(2000);
    expect(reconnectDelay(3, () => 0.5)).toBe(3000);
    for (let i = 0; i < 100; i += 1) {
      const delay = reconnectDelay(10);
      expect(delay).toBeGreaterThanOrEqual(MAX_DELAY_MS / 2);
      expect(delay).toBeLessThanOrEqual(MAX_DELAY_MS);
    }
  });
});
