import { type DeltaFrame, formatPosition, type ParsedPosition, parsePosition, type StreamFrame } from 'nest-realtime-streams-protocol';

/** Where a delta frame stands against the cursor: its versions as tokens, already seen, or not placeable. */
export type DeltaPlace = { base: string; version: string } | 'stale' | 'unplaced';

/**
 * Where one subscription's mirror stands in its group's history: the position its next join resumes from,
 * and the timestamp and position at or below which a frame is stale.
 */
export class StreamCursor {
  /**
   * The position the mirror is at, or null when it has none to resume from: no sync yet, a refused join, or
   * a server without positions. Only a sync sets one; frames then move it on.
   */
  position: string | null = null;
  /** `position`, parsed (null when it is null or not `<epoch>:<seq>`). */
  private at: ParsedPosition | null = null;
  private lastTimestamp = 0;
  /** A join was sent and its sync or unauthorized answer has not arrived (a `resumed` answer ends it too). */
  private awaitingAnswer = false;

  /** Starts a (re)join; returns the position to resume from, or null to ask for a fresh sync. */
  join(): string | null {
    this.awaitingAnswer = true;
    // A fresh sync may come from an instance whose clock is behind, so stale-frame tracking starts over. A
    // resume continues the same history: what it replays is newer than anything the mirror holds.
    if (this.position === null) this.lastTimestamp = 0;
    return this.position;
  }

  /** Whether the frame is to be applied; if so it is recorded. */
  admit(frame: StreamFrame): boolean {
    const type = frame.event.type;
    // The answer to a join is never stale: a resume the server could not serve is answered by a sync from
    // what may be a new server, whose clock can be behind the old one. Neither is a re-sync the server sends
    // on its own when it lost continuity (its backing store restarted): it always replaces the mirror.
    const resync = type === 'sync' && frame.event.type === 'sync' && frame.event.continuityLost === true;
    const answer = resync || (this.awaitingAnswer && (type === 'sync' || type === 'unauthorized'));
    // Otherwise, as iii clients do, a frame not newer than the last one is stale (e.g. replayed twice for
    // overlapping subscriptions) and dropped; so is one not past the position (delta frames carry no timestamp).
    if (!answer && (frame.timestamp <= this.lastTimestamp || this.notPast(frame.position))) return false;
    if (answer) this.awaitingAnswer = false;
    this.lastTimestamp = frame.timestamp;
    if (type === 'unauthorized') this.moveTo(null);
    else if (type === 'sync' || this.position !== null) this.moveTo(frame.position ?? null);
    return true;
  }

  /**
   * Places a delta frame (SPEC §9): its versions are sequence numbers of the position's epoch. One not past
   * the position is stale (a duplicate); without a position to place it in, the mirror cannot take it.
   */
  admitDelta(frame: DeltaFrame): DeltaPlace {
    if (!this.at) return 'unplaced';
    if (frame.version <= this.at.seq) return 'stale';
    const { epoch } = this.at;
    this.moveTo(formatPosition(epoch, frame.version));
    return { base: formatPosition(epoch, frame.base), version: this.position! };
  }

  /** The mirror cannot be trusted (a delta it could not apply): the next join asks for a fresh sync. */
  forget(): void {
    this.moveTo(null);
  }

  /** The join was resumed: the replayed frames went through `admit`, this is where they ended. */
  resumed(position: string): void {
    this.awaitingAnswer = false;
    this.moveTo(position);
  }

  private moveTo(position: string | null): void {
    this.position = position;
    this.at = position === null ? null : parsePosition(position);
  }

  /** A position of the cursor's epoch at or before it (positions of another epoch do not compare). */
  private notPast(position: string | undefined): boolean {
    const frame = position === undefined ? null : parsePosition(position);
    return !!frame && !!this.at && frame.epoch === this.at.epoch && frame.seq <= this.at.seq;
  }
}
