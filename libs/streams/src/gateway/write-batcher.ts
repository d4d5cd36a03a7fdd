/** Something holding frames written since the last flush (a socket's `OutboundQueue`). */
export interface BatchedWriter {
  flush(): void;
}

/**
 * One timer for every socket's batched frames (option `writeDelayMs`): frames a socket gets before the
 * flush leave in one write, so a socket pays the kernel write once per flush instead of once per frame.
 * 0 flushes at the end of the current event-loop turn (`setImmediate`): frames published in one turn
 * (a burst of `set()` calls, a sync and the frames it releases) share a write, nothing waits a timer.
 * A delay also joins frames of later turns, trading that many ms of latency for fewer syscalls.
 */
export class WriteBatcher {
  private dirty: BatchedWriter[] = [];
  private scheduled = false;

  constructor(private readonly delayMs: number) {}

  /** Called by a writer when its batch gets its first frame; the writer is flushed with the others. */
  schedule(writer: BatchedWriter): void {
    this.dirty.push(writer);
    if (this.scheduled) return;
    this.scheduled = true;
    if (this.delayMs === 0) setImmediate(this.flushAll);
    else setTimeout(this.flushAll, this.delayMs);
  }

  private readonly flushAll = (): void => {
    const dirty = this.dirty;
    this.dirty = [];
    this.scheduled = false;
    for (const writer of dirty) writer.flush();
  };
}
