import { SERVE_RETRY, serveRetryDelay } from './serve-retry.delay';

describe('serveRetryDelay', () => {
  it('doubles from the first delay up to the cap, jittered between half and all of it', () => {
    const lowest = [0, 1, 2, 3, 4, 5, 10, 50].map((attempt) => serveRetryDelay(attempt, () => 0));
    const highest = [0, 1, 2, 3, 4, 5, 10, 50].map((attempt) => serveRetryDelay(attempt, () => 1));
    expect(highest).toEqual([250, 500, 1000, 2000, 4000, 4000, 4000, 4000]);
    expect(lowest).toEqual(highest.map((d) => d / 2));
    expect(Math.max(...highest)).toBe(SERVE_RETRY.maxMs);
  });
});
