import { TokenBucket } from './token-bucket';

describe('TokenBucket (a per-socket budget: joins, refreshes, presence updates)', () => {
  it('allows the burst at once, then refills at the rate and never above the burst', () => {
    let now = 0;
    const limiter = new TokenBucket(3, 2, () => now);
    expect([limiter.take(), limiter.take(), limiter.take(), limiter.take()]).toEqual([true, true, true, false]);
    now += 499;
    expect(limiter.take()).toBe(false);
    now += 1;
    expect([limiter.take(), limiter.take()]).toEqual([true, false]);
    now += 60_000;
    expect([limiter.take(), limiter.take(), limiter.take(), limiter.take()]).toEqual([true, true, true, false]);
  });
});
