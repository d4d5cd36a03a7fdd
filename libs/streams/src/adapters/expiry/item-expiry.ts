/**
 * Item TTLs (SPEC §8): a write with `ttlMs` makes its item expire that long after it; any later write
 * sets the expiry again (none without `ttlMs`), as Redis `SET` does without `KEEPTTL`. An expired item
 * reads as missing at once and is deleted by the adapter's sweep like any delete (a `delete` event).
 */

/** How often an adapter sweeps and how many due items one sweep handles at most (bounded work per tick). */
export interface ExpiryLimits {
  intervalMs: number;
  batch: number;
}

/** Every 250 ms, at most 500 items: 2,000 expiries a second per instance, each within 1 s of its time while they keep up. */
export const DEFAULT_EXPIRY: ExpiryLimits = { intervalMs: 250, batch: 500 };

/** Longest `ttl_ms` accepted: 30 days (longer lived items are deleted explicitly). */
export const MAX_TTL_MS = 30 * 24 * 3600_000;

/** The expiry time of a write made at `now` with `ttlMs` (undefined: the item does not expire). */
export function expiresAt(ttlMs: number | undefined, now = Date.now()): number | undefined {
  return ttlMs === undefined ? undefined : now + ttlMs;
}

/** Whether an item expiring at `at` (undefined: never) has expired at `now`. */
export function expired(at: number | undefined, now = Date.now()): boolean {
  return at !== undefined && at <= now;
}

/** How long closing an adapter waits for its sweep in flight (a sweep's commands have their own timeouts). */
const STOP_WAIT_MS = 2000;

/**
 * Runs `sweep` every `intervalMs` until the returned function is called; never overlapping, never keeping
 * the process alive, a failed sweep retried at the next tick (`onError` is told). Stopping waits (at most
 * `STOP_WAIT_MS`) for a sweep in flight, so an adapter closes its connections under no sweep, and silences
 * it: its commands failing as "connection closed" are not a failed sweep.
 */
export function startSweeps(limits: ExpiryLimits, sweep: () => Promise<unknown>, onError: (error: unknown) => void = () => undefined): () => Promise<void> {
  let running: Promise<void> | null = null;
  let stopped = false;
  const timer = setInterval(() => {
    if (running) return;
    running = sweep()
      .then(
        () => undefined,
        (error: unknown) => {
          if (!stopped) onError(error);
        },
      )
      .finally(() => (running = null));
  }, limits.intervalMs);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    if (running) await Promise.race([running, new Promise((resolve) => setTimeout(resolve, STOP_WAIT_MS).unref())]);
  };
}
