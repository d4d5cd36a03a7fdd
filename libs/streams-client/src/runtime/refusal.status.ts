/** HTTP answers to the upgrade that mean "not you, not here": retrying the same request cannot succeed. */
export const REFUSAL_STATUSES: readonly number[] = [401, 403, 404];

/**
 * The HTTP status of a refused upgrade, read from the socket's `error` event. Only Node's `ws` says it (its
 * error event reads `Unexpected server response: 401`); browsers deliberately hide it (the socket just
 * closes with 1006 before opening), so there this returns null.
 */
export function refusalStatus(event: unknown): number | null {
  const message = typeof event === 'object' && event !== null ? (event as { message?: unknown }).message : undefined;
  const match = typeof message === 'string' ? /^Unexpected server response: (\d{3})$/.exec(message) : null;
  return match ? Number(match[1]) : null;
}
