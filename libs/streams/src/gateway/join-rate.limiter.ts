/**
 * A socket's join budget: a token bucket holding `burst` joins (a fresh socket may open all its
 * subscriptions at once) refilled at `perSecond`. Every join that reaches the handlers and a snapshot takes
 * a token — a join replacing a live subscription id too, so re-joining one id in a loop costs the client
 * its budget instead of costing the server unbounded snapshot reads.
 */
export class JoinRateLimiter {
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.refilledAt = now();
  }

  /** Takes one token; false when the budget is spent (the join is refused). */
  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) * this.perSecond) / 1000);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens--;
    return true;
  }
}
