/** Something holding frames written since the last flush (a socket's `OutboundQueue`). */
export interface BatchedWriter {
  flush(): void;
}

/**
 * Decides when every socket's batched frames are written (option `writes.delayMs`): what a socket gets
 * before the flush leaves in one write, so it pays the kernel write once per flush, not once per frame.
 *
 * The flush runs when the event-loop turn that produced the first frame has ended (`setImmediate`), so
 * the frames of one turn (a burst of `set()` calls, one message's fan-out) always share a write. With a
 * window (`writes.delayMs` > 0) and a busy server — the first frame came less than `writes.delayMs` after the
 * previous flush ended — the flush waits `writes.delayMs` more, so the frames of the next turns join it; a
 * frame then waits at most for the end of its turn plus `writes.delayMs`. After a quiet spell frames leave
 * at the end of their turn: a lone frame never waits the window.
 *
 * The window starts at the end of the turn, not at the first frame: when one message's fan-out takes
 * longer than the window (5,000 sockets), a window counted from its first frame is already due when the
 * turn ends, and every flush carries one message (docs/reference/benchmarks.md, issue 17).
 */
export class WriteBatcher {
  private dirty: BatchedWriter[] = [];
  private scheduled = false;
  private busy = false;
  /** `performance.now()` when the last flush ended. */
  private flushedAt = -Infinity;

  constructor(private readonly delayMs: number) {}

  /** Called by a writer when its batch gets its first frame; the writer is flushed with the others. */
  schedule(writer: BatchedWriter): void {
    this.dirty.push(writer);
    if (this.scheduled) return;
    this.scheduled = true;
    this.busy = this.delayMs > 0 && performance.now() - this.flushedAt < this.delayMs;
    setImmediate(this.turnEnded);
  }

  private readonly turnEnded = (): void => {
    if (this.busy) setTimeout(this.flushAll, this.delayMs);
    else this.flushAll();
  };

  private readonly flushAll = (): void => {
    const dirty = this.dirty;
    this.dirty = [];
    this.scheduled = false;
    for (const writer of dirty) writer.flush();
    if (this.delayMs > 0) this.flushedAt = performance.now();
  };
}
