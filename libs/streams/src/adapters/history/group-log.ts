import { randomBytes } from 'node:crypto';
import type { ItemChange } from 'nest-realtime-streams-protocol';

export interface HistoryLimits {
  /** Most recent events kept per group; 0 keeps none (resume then always re-syncs). */
  size: number;
  /** Events older than this (by frame timestamp) are dropped, in ms. */
  maxAgeMs: number;
}

/** A fresh epoch: it changes whenever a group's history starts over, so old positions cannot be trusted. */
export function newEpoch(): string {
  return randomBytes(6).toString('base64url');
}

/**
 * A kept event: its frame's JSON and nothing else of it (no parsed frame, no wire bytes), so history holds
 * each event's bytes once; a resume parses the few it replays.
 */
export interface LoggedEvent {
  seq: number;
  timestamp: number;
  json: string;
  /** The idempotency key of the write that made it, if any. */
  key?: string;
  /** How its write changed the item, if it is an `update` with a change (a resume serves it to delta subscriptions). */
  change?: ItemChange;
}

/**
 * One group's position (epoch + seq) and its recent events, bounded by count and age, for the in-process
 * adapters. Resume asks for everything after a seq; a gap (the window has passed) answers null.
 */
export class GroupLog {
  readonly epoch = newEpoch();
  seq = 0;
  private entries: LoggedEvent[] = [];
  private head = 0;

  constructor(private readonly limits: HistoryLimits) {}

  append(event: LoggedEvent): void {
    if (this.limits.size === 0) return;
    this.entries.push(event);
    this.trim(event.timestamp);
  }

  /**
   * Moves the position to `seq` without events (positions a failed write had reserved, see
   * LocalEventLog.reserve): the kept events are dropped, so a resume from before the gap re-syncs.
   */
  skipTo(seq: number): void {
    this.seq = seq;
    this.entries = [];
    this.head = 0;
  }

  /** Whether every kept event has expired by `now` (what lets an idle group's state be freed). */
  expired(now: number): boolean {
    this.trim(now);
    return this.head === this.entries.length;
  }

  /** Events after `seq`, oldest first; null when some of them are no longer kept (or `seq` is not ours). */
  after(seq: number, now: number): LoggedEvent[] | null {
    if (!Number.isInteger(seq) || seq < 0 || seq > this.seq) return null;
    if (seq === this.seq) return [];
    this.trim(now);
    const first = this.head < this.entries.length ? this.entries[this.head].seq : this.seq + 1;
    if (seq + 1 < first) return null;
    return this.entries.slice(this.head + (seq + 1 - first));
  }

  private trim(now: number): void {
    const oldest = now - this.limits.maxAgeMs;
    while (this.head < this.entries.length && (this.entries.length - this.head > this.limits.size || this.entries[this.head].timestamp < oldest)) {
      this.head++;
    }
    // Compact now and then instead of shifting on every append; at once when nothing is left.
    if (this.head === this.entries.length) {
      if (this.head > 0) this.entries = [];
      this.head = 0;
    } else if (this.head > 64 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
}
