/**
 * Idempotency keys (SPEC §8): a write carrying one is applied once per (stream, group, key) within the
 * ttl; a retry gets the first call's result, recorded in the same atomic step as the write.
 */

/** A write's key with the fingerprint of the call it names (operation, item, data/ops/event, condition). */
export interface IdempotentWrite {
  key: string;
  fingerprint: string;
}

/** How long results are kept and how many (per group; `maxKeys` in total for the in-process adapters). */
export interface IdempotencyLimits {
  ttlMs: number;
  maxKeysPerGroup: number;
  maxKeys: number;
}

/** Results kept 5 minutes (as Centrifugo does), at most 10,000 per group and 100,000 per process. */
export const DEFAULT_IDEMPOTENCY: IdempotencyLimits = { ttlMs: 5 * 60_000, maxKeysPerGroup: 10_000, maxKeys: 100_000 };

/** What a replay returns: the recorded result, no event (nothing was written or published). */
export type Replayed<T> = T & { envelope: null; replayed: true };

/** The result to record for an outcome: all of it but its event, as JSON text. */
export function recordedResult(outcome: { envelope: unknown }): string {
  const { envelope: _event, ...result } = outcome;
  return JSON.stringify(result);
}

/** The outcome a replay answers, from the recorded result. */
export function replayed<T>(result: string): Replayed<T> {
  return { ...(JSON.parse(result) as T), envelope: null, replayed: true };
}
