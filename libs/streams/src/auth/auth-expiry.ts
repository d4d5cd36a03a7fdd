import type { StreamAuthInput } from '../options/streams-options.interface';
import { TokenBucket } from '../common/token-bucket';

/** setTimeout's longest delay; a later expiry is reached in steps. */
const MAX_DELAY_MS = 2 ** 31 - 1;
/** Refreshes a socket may send at once before `limits.refreshesPerSecond` paces them. */
const REFRESH_BURST = 3;

/**
 * The end of one socket's authentication (`expiresAt` from `authFunction`): a timer that calls `onExpired`
 * at that instant unless a refresh moved it, the upgrade's auth input a refresh runs the function with again,
 * and the socket's refresh budget. Only sockets whose authentication expires carry one.
 */
export class AuthExpiry {
  private timer: NodeJS.Timeout | null = null;
  private readonly budget: TokenBucket;
  /**
   * The upgrade's input, kept for the socket's life as one JSON string: the header and query maps as objects
   * cost ~4 KiB of heap per socket (a few hundred bytes as text), and a refresh is rare.
   */
  private readonly saved: string;

  constructor(
    input: StreamAuthInput,
    private at: number,
    refreshesPerSecond: number,
    private readonly onExpired: () => void,
  ) {
    this.budget = new TokenBucket(REFRESH_BURST, refreshesPerSecond);
    this.saved = JSON.stringify(input);
    this.arm();
  }

  /** A fresh copy of the upgrade's input (maps without a prototype again, as `buildAuthInput` made them). */
  input(): StreamAuthInput {
    const { headers, path, query_params, addr } = JSON.parse(this.saved) as StreamAuthInput;
    return { headers: Object.assign(Object.create(null), headers), path, query_params: Object.assign(Object.create(null), query_params), addr };
  }

  get expiresAt(): number {
    return this.at;
  }

  /** Spends one refresh of the socket's budget; false when it is spent. */
  takeRefresh(): boolean {
    return this.budget.take();
  }

  /** A refresh succeeded: the authentication now ends at `at`. */
  extend(at: number): void {
    this.at = at;
    this.arm();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(): void {
    this.stop();
    const left = this.at - Date.now();
    this.timer = setTimeout(() => (Date.now() >= this.at ? this.onExpired() : this.arm()), Math.min(Math.max(0, left), MAX_DELAY_MS));
    this.timer.unref();
  }
}
