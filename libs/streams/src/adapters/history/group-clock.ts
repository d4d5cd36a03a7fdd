/**
 * How far a group's timestamps may run ahead of the wall clock, in ms. Timestamps are integer ms and
 * strictly increase per group, so a group written faster than once per ms runs ahead; past this lead its
 * writes wait until the clock catches up (docs/protocol.md, "Timestamps"). Kept below the 2 s the Motia
 * clients wait before reconnecting, so the first frame after any restart is newer than all they saw.
 */
export const MAX_CLOCK_LEAD_MS = 1000;

/**
 * One group's timestamps: `max(now, last + 1)`, never more than MAX_CLOCK_LEAD_MS ahead of the latest wall
 * clock reading it has seen. Measuring the lead from that reading (not from `now`) means a wall clock set
 * back never stalls writes: timestamps then keep increasing from where they were until the clock catches up.
 */
export class GroupClock {
  /** The latest wall-clock reading (or restored high-water mark) seen. */
  private seen: number;

  /** `last`: a timestamp every new one must pass (e.g. the high-water mark persisted before a restart). */
  constructor(public last = 0) {
    this.seen = last;
  }

  /** How long to wait before the next stamp keeps the lead within the cap; 0 when it may be taken now. */
  waitMs(now: number): number {
    return Math.max(0, this.last + 1 - Math.max(now, this.seen) - MAX_CLOCK_LEAD_MS);
  }

  next(now: number): number {
    if (now > this.seen) this.seen = now;
    this.last = now > this.last ? now : this.last + 1;
    return this.last;
  }

  /** Whether every stamp given so far is at least 2 ms in the past, so a successor clock starting from
   * `now` (and a position read at `now - 1`) can never repeat or precede one of them. */
  settled(now: number): boolean {
    return this.last <= now - 2;
  }
}
