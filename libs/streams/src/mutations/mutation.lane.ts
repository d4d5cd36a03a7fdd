import { TokenBucket } from '../common/token-bucket';

/**
 * One socket's mutations: they run one at a time in arrival order (a client's ids must apply in order), apart
 * from its joins and other messages. `admit` is awaited on the socket's inbound queue: while `inFlight`
 * mutations wait or run, or the rate budget is spent, it waits, so the inbound queue fills and the transport
 * stops reading the socket (backpressure, not refusals: a refused mutation would leave a gap in the client's ids).
 */
export class MutationLane {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;
  private readonly bucket: TokenBucket;
  private roomFreed: (() => void) | null = null;

  constructor(
    private readonly inFlight: number,
    private readonly perSecond: number,
  ) {
    // A socket that (re)connects with a queue may send a second's worth at once.
    this.bucket = new TokenBucket(inFlight + perSecond, perSecond);
  }

  /** Resolves once the socket may start one more mutation. */
  async admit(): Promise<void> {
    while (this.pending >= this.inFlight) await new Promise<void>((resolve) => (this.roomFreed = resolve));
    while (!this.bucket.take()) await new Promise((resolve) => setTimeout(resolve, Math.ceil(1000 / this.perSecond)));
  }

  /** Queues `task` after the socket's earlier mutations (it must not throw); resolves once it has run. */
  run(task: () => Promise<void>): Promise<void> {
    this.pending++;
    this.tail = this.tail.then(task).finally(() => {
      this.pending--;
      const freed = this.roomFreed;
      this.roomFreed = null;
      freed?.();
    });
    return this.tail;
  }
}
