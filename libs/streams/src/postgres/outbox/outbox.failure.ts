import { StreamsConflictError, StreamsCustomResultError, StreamsError, StreamsIdempotencyError, StreamsInputError } from '../../errors/streams.errors';

/** What the relay does with a row whose write failed. */
export type OutboxFailure = { outcome: 'dead'; code: string; message: string } | { outcome: 'retry'; code: string; message: string; delayMs: number };

/**
 * A write refused for what it is (a §8 condition that does not hold, input the store refuses, a key reused)
 * fails the same way every time: dead-lettered at once. Anything else (the store unreachable, a custom
 * stream throwing) may pass later: retried after `min * 2^attempts` ms (at most `max`), and dead-lettered
 * once it has failed `maxAttempts` times. Either way the row stops blocking its group.
 */
export function classifyFailure(error: unknown, attempts: number, limits: { maxAttempts: number; retryMinMs: number; retryMaxMs: number }): OutboxFailure {
  const code = error instanceof StreamsError ? error.code : 'error';
  const message = error instanceof Error ? error.message : String(error);
  const refused = error instanceof StreamsConflictError || error instanceof StreamsInputError || error instanceof StreamsIdempotencyError || error instanceof StreamsCustomResultError;
  if (refused || attempts + 1 >= limits.maxAttempts) return { outcome: 'dead', code, message };
  return { outcome: 'retry', code, message, delayMs: Math.min(limits.retryMaxMs, limits.retryMinMs * 2 ** Math.min(attempts, 30)) };
}
