/** First and longest wait before a subscription the adapter could not serve is tried again. */
export const SERVE_RETRY = { initialMs: 250, maxMs: 4000 } as const;

/**
 * Capped exponential backoff with jitter (half to full delay), so the joins an outage failed together do
 * not all hit the adapter again at the same instant when it is back.
 */
export function serveRetryDelay(attempt: number, random: () => number = Math.random): number {
  const delay = Math.min(SERVE_RETRY.maxMs, SERVE_RETRY.initialMs * 2 ** attempt);
  return Math.round(delay * (0.5 + random() / 2));
}
