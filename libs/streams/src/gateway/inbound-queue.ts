import type { ResolvedStreamsOptions } from '../options/streams-options.interface';

/** What the queue asks of its socket: ws 8's `pause()`/`resume()` stop and restart reading it. */
export interface PausableSource {
  pause(): void;
  resume(): void;
}

/** A unit of inbound work; it handles its own errors (the queue never sees a rejection). */
type Task = () => Promise<void>;

/** Bounds of one socket's inbound queue: its tasks, and the client bytes they hold. */
export type InboundLimits = Pick<ResolvedStreamsOptions['limits'], 'queuedMessagesPerSocket' | 'payloadBytes'>;

/**
 * One socket's inbound work, run strictly one task after another (as in iii, a join finishes before the
 * next message is handled) and bounded: once `queuedMessagesPerSocket` tasks or `payloadBytes` bytes wait, the socket stops
 * being read (`pause()`), so a flood stays in the client's and the kernel's buffers, not in the server's
 * heap; reading resumes when the queue has drained. `ws` may still emit the frames it has already read
 * (the rest of one socket read), which are queued past the bound; nothing more arrives until `resume()`.
 * `close()` (the socket closed) drops every waiting task at once: queued joins never run after a close.
 */
export class InboundQueue {
  /**
   * Null while nothing waits: an idle socket keeps no array (a drained array keeps its grown backing
   * store, ~150 B per socket).
   */
  private tasks: Array<{ task: Task; bytes: number }> | null = null;
  private queuedBytes = 0;
  private running = false;
  private paused = false;
  private closed = false;

  constructor(
    private readonly source: PausableSource,
    /** The `limits` option, shared by every socket (one object, not one per socket). */
    private readonly limits: InboundLimits,
  ) {}

  /** Tasks waiting to run (not counting the one running). */
  get size(): number {
    return this.tasks?.length ?? 0;
  }

  /** Queues `task`, accounted as `bytes` of client input; ignored once the queue is closed. */
  push(task: Task, bytes = 0): void {
    if (this.closed) return;
    const tasks = (this.tasks ??= []);
    tasks.push({ task, bytes });
    this.queuedBytes += bytes;
    if (!this.paused && (tasks.length >= this.limits.queuedMessagesPerSocket || this.queuedBytes >= this.limits.payloadBytes)) {
      this.paused = true;
      this.source.pause();
    }
    this.start();
  }

  /**
   * The socket is gone: drops every waiting task at once and runs `last` (the cleanup) after the task in
   * flight, so the cleanup sees every subscription a running join may still open. Later pushes are ignored.
   */
  close(last: Task): void {
    if (this.closed) return;
    this.closed = true;
    this.tasks = [{ task: last, bytes: 0 }];
    this.queuedBytes = 0;
    this.start();
  }

  /** Starts the run loop in a microtask, so a task never runs inside the `push` that queued it. */
  private start(): void {
    if (this.running) return;
    this.running = true;
    queueMicrotask(() => void this.run());
  }

  private async run(): Promise<void> {
    for (let next = this.tasks?.shift(); next; next = this.tasks?.shift()) {
      this.queuedBytes -= next.bytes;
      if (this.paused && this.tasks!.length < this.limits.queuedMessagesPerSocket && this.queuedBytes < this.limits.payloadBytes) {
        this.paused = false;
        this.source.resume();
      }
      await next.task();
      if (this.tasks?.length === 0) this.tasks = null;
    }
    this.running = false;
  }
}
