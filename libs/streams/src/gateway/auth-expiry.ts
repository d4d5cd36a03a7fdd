import type { StreamAuthInput } from '../options/streams-options.interface';
import { JoinRateLimiter } from './join-rate.limiter';

/** setTimeout's longest delay; a later expiry is reached in steps. */
const MAX_DELAY_MS = 2 ** 31 - 1;
/** Refreshes a socket may send at once before `maxRefreshesPerMinute` paces them. */
const REFRESH_BURST = 3;

/**
 * The end of one socket's authentication (`expiresAt` from `authFunction`): a timer that calls `onExpired`
 * at that instant unless a refresh moved it, the upgrade's auth input a refresh runs the function with again,
 * and the socket's refresh budget. Only sockets whose authentication expires carry one.
 */
export class AuthExpiry {
  private timer: NodeJS.Timeout | null = null;
  private readonly budget: JoinRateLimiter;

  constructor(
    readonly input: StreamAuthInput,
    private at: number,
    refreshesPerMinute: number,
    private readonly onExpired: () => void,
  ) {
    this.budget = new JoinRateLimiter(REFRESH_BURST, refreshesPerMinute / 60);
    this.arm();
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
