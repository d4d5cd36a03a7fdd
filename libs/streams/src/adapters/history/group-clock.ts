/**
 * How far a group's timestamps may run ahead of the wall clock, in ms. Timestamps are integer ms and
 * strictly increase per group, so a group written faster than once per ms runs ahead; past this lead its
 * writes wait until the clock catches up (docs/reference/protocol.md, "Timestamps"). Kept below the 2 s the Motia
 * clients wait before reconnecting, so the first frame after any restart is newer than all they saw.
 */
export const MAX_CLOCK_LEAD_MS = 1000;

/**
 * One group's timestamps: `max(now, last + 1)`, never more than MAX_CLOCK_LEAD_MS ahead of the latest wall
 * clock reading it has seen. Measuring the lead from that reading (not from `now`) means a wall clock set
 * back never stalls writes: timestamps then keep increasing from where they were until the clock catches up.
 *
 * A read (snapshot, position, resume) needs a timestamp after every event stamped so far and before every
 * later one. All reads between two writes share one: the first reserves a tick, the others reuse it until
 * the next write. So reads move the clock by at most one tick per write, never one per read, and a read
 * that shares a tick never waits for the cap. (Motia clients drop a frame not newer than the last they
 * applied; two reads with no write between them show the same state, so dropping the second loses nothing.)
 */
export class GroupClock {
  /** The latest wall-clock reading (or restored high-water mark) seen. */
  private seen: number;
  /** Whether `last` was given to a read and no write came since: later reads share it. */
  private reserved = false;

  /** `last`: a timestamp every new one must pass (e.g. the high-water mark persisted before a restart). */
  constructor(public last = 0) {
    this.seen = last;
  }

  /** Whether a read now would share the reserved tick (and so never waits). */
  get shared(): boolean {
    return this.reserved;
  }

  /** How long to wait before the next stamp (a write's, or a read's) keeps the lead within the cap; 0 when it may be taken now. */
  waitMs(now: number, read = false): number {
    if (read && this.reserved) return 0;
    return Math.max(0, this.last + 1 - Math.max(now, this.seen) - MAX_CLOCK_LEAD_MS);
  }

  /** A write's timestamp: after every timestamp given so far. */
  next(now: number): number {
    this.reserved = false;
    return this.advance(now);
  }

  /** A read's timestamp: the reserved tick, or a new one it reserves for the reads until the next write. */
  read(now: number): number {
    if (this.reserved) return this.last;
    this.reserved = true;
    return this.advance(now);
  }

  /** Whether every stamp given so far is at least 2 ms in the past, so a successor clock starting from
   * `now` (and a position read at `now - 1`) can never repeat or precede one of them. */
  settled(now: number): boolean {
    return this.last <= now - 2;
  }

  private advance(now: number): number {
    if (now > this.seen) this.seen = now;
    this.last = now > this.last ? now : this.last + 1;
    return this.last;
  }
}
