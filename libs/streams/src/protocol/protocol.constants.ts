/** Subscription id of the subscription a `/stream/...` URL opens on connect. */
export const PATH_SUBSCRIPTION_ID = 'path';

/** Close codes the listener uses (RFC 6455 §7.4); documented in docs/reference/protocol.md. */
export const CLOSE_CODES = {
  /** Server shutting down (`app.close()`). */
  GOING_AWAY: 1001,
  /** A client frame larger than `limits.payloadBytes` (sent by `ws` itself). */
  MESSAGE_TOO_BIG: 1009,
  /** A socket that does not read fast enough even after coalescing (SPEC §7.6). */
  SLOW_CONSUMER: 4008,
  /** The authentication's `expiresAt` passed without a successful `refresh` (extension). */
  AUTH_EXPIRED: 4401,
  /** A `refresh` frame's token was refused by `authFunction` (extension). */
  REFRESH_REFUSED: 4403,
  /**
   * The upgrade was refused by `authFunction`, told to a client that asked (`?refusal=close`) instead of
   * HTTP 401: accepted, then closed at once with the reason `{code, message}` (extension).
   */
  UPGRADE_REFUSED: 4001,
} as const;

/** `error.code` values of the additive error frame `{type:'error', error:{code, message, field?}}`. */
export const ERROR_CODES = {
  INVALID_JSON: 'invalid_json',
  INVALID_MESSAGE: 'invalid_message',
  UNKNOWN_TYPE: 'unknown_type',
  INVALID_FIELD: 'invalid_field',
  SUBSCRIPTION_LIMIT: 'subscription_limit',
  /** A join past the socket's `limits.joinsPerSecond` budget (replacing joins count). */
  JOIN_RATE_LIMITED: 'join_rate_limited',
  SNAPSHOT_FAILED: 'snapshot_failed',
  /** Presence: the group already holds `presence.maxMembersPerGroup` members; the subscription only watches. */
  PRESENCE_FULL: 'presence_full',
  /** Presence: a `presence` frame for a subscription that holds no member. */
  PRESENCE_NOT_MEMBER: 'presence_not_member',
  /** Presence: a `state` past `presence.maxStateBytes`. */
  PRESENCE_TOO_LARGE: 'presence_too_large',
  /** Presence: past the socket's `presence.updatesPerSecond`. */
  PRESENCE_RATE_LIMITED: 'presence_rate_limited',
  /** Presence: the store could not be written (Redis down); the subscription goes on. */
  PRESENCE_FAILED: 'presence_failed',
  /** A `refresh` past the socket's `limits.refreshesPerSecond`. */
  REFRESH_RATE_LIMITED: 'refresh_rate_limited',
  /** A `refresh` on a socket whose authentication has no expiry. */
  REFRESH_UNSUPPORTED: 'refresh_unsupported',
} as const;

export type ProtocolErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];
