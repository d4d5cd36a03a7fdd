/** Close codes the listener uses (RFC 6455 §7.4); documented in docs/protocol.md. */
export const CLOSE_CODES = {
  /** Server shutting down (`app.close()`). */
  GOING_AWAY: 1001,
  /** A client frame larger than `maxPayloadBytes` (sent by `ws` itself). */
  MESSAGE_TOO_BIG: 1009,
  /** A socket that does not read fast enough even after coalescing (SPEC §7.6). */
  SLOW_CONSUMER: 4008,
} as const;

/** `error.code` values of the additive error frame `{type:'error', error:{code, message, field?}}`. */
export const ERROR_CODES = {
  INVALID_JSON: 'invalid_json',
  INVALID_MESSAGE: 'invalid_message',
  UNKNOWN_TYPE: 'unknown_type',
  INVALID_FIELD: 'invalid_field',
  SUBSCRIPTION_LIMIT: 'subscription_limit',
  /** A join past the socket's `maxJoinsPerSecond` budget (replacing joins count). */
  JOIN_RATE_LIMITED: 'join_rate_limited',
  SNAPSHOT_FAILED: 'snapshot_failed',
} as const;

export type ProtocolErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];
