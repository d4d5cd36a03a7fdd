import { backoffDelay, RECONNECT_DEFAULTS } from './reconnect.backoff';

describe('backoffDelay', () => {
  const options = { initialDelayMs: 100, maxDelayMs: 1_000, factor: 2, jitter: 0.5 };

  it('grows by the factor per attempt and stops at the cap', () => {
    const noJitter = () => 0;
    expect([0, 1, 2, 3, 4, 10, 100].map((a) => backoffDelay(a, options, noJitter))).toEqual([100, 200, 400, 800, 1_000, 1_000, 1_000]);
  });

  it('jitter takes up to its share off the delay, never adding to it', () => {
    expect(backoffDelay(2, options, () => 1)).toBe(200);
    expect(backoffDelay(2, options, () => 0.5)).toBe(300);
    expect(backoffDelay(9, { ...options, jitter: 1 }, () => 0.999)).toBe(1);
    for (let attempt = 0; attempt < 20; attempt++) {
      const delay = backoffDelay(attempt, RECONNECT_DEFAULTS);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(RECONNECT_DEFAULTS.maxDelayMs);
    }
  });
});
