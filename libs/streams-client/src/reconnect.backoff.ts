export interface ReconnectOptions {
  /** Delay before the first retry. Default 500 ms. */
  initialDelayMs: number;
  /** Upper bound of any delay. Default 10 s. */
  maxDelayMs: number;
  /** Growth per failed attempt. Default 2. */
  factor: number;
  /** Share of the delay that is randomised (0 = none, 1 = anywhere in [0, delay]). Default 0.5. */
  jitter: number;
}

export const RECONNECT_DEFAULTS: ReconnectOptions = { initialDelayMs: 500, maxDelayMs: 10_000, factor: 2, jitter: 0.5 };

/**
 * Delay before reconnect attempt `attempt` (0-based): exponential, capped, and jittered downwards so a
 * server restart is not met by every client in the same millisecond while the cap still holds.
 */
export function backoffDelay(attempt: number, options: ReconnectOptions, random: () => number = Math.random): number {
  const exponential = Math.min(options.maxDelayMs, options.initialDelayMs * options.factor ** attempt);
  return Math.round(exponential * (1 - options.jitter * random()));
}
