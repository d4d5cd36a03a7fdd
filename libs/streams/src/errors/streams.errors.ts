/** Typed errors with stable `code`s. Every public method rejects with one of these, never a bare Error. */

export abstract class StreamsError extends Error {
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Invalid input to a service method or `trigger` call. `field` names the offending input path. */
export class StreamsInputError extends StreamsError {
  readonly code = 'STREAM_INVALID_INPUT';

  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** Why a conditional write was refused: `if_version` did not match, `if_absent` found an item, `if_exists` found none. */
export type StreamsConflictCode = 'version_conflict' | 'exists' | 'missing';

/**
 * A conditional write (`if_version`, `if_absent`, `if_exists`) found the item otherwise: nothing was written
 * or published. `version` is the item's current version (null when it is missing), to read again from.
 */
export class StreamsConflictError extends StreamsError {
  constructor(
    readonly code: StreamsConflictCode,
    readonly version: string | null,
  ) {
    super(`conditional write refused (${code}): the item ${version === null ? 'does not exist' : `is at version ${version}`}`);
  }
}

/**
 * An idempotency key (SPEC §8) was already used, within its ttl and in the same stream and group, for a
 * different call (another operation, item, value, ops, event or condition): nothing was written or published.
 * Not a StreamsConflictError on purpose: a conflict means "read again and retry", which a read-modify-write
 * loop does; retrying cannot cure a reused key (a caller bug), so such a loop must not catch it.
 */
export class StreamsIdempotencyError extends StreamsError {
  readonly code = 'idempotency_key_reused';

  constructor(readonly idempotency_key: string) {
    super(`idempotency key ${JSON.stringify(idempotency_key)} was already used for a different call in this stream and group`);
  }
}

/** iii's failure codes for a storage or publish failure, keyed by operation. */
export const STREAM_OPERATION_ERROR_CODES = {
  set: 'STREAM_SET_ERROR',
  get: 'STREAM_GET_ERROR',
  update: 'STREAM_UPDATE_ERROR',
  delete: 'STREAM_DELETE_ERROR',
  list: 'STREAM_GET_GROUP_ERROR',
  listGroups: 'STREAM_LIST_GROUPS_ERROR',
  listAll: 'STREAM_LIST_ALL_ERROR',
  send: 'STREAM_SEND_ERROR',
  /** Not an iii function: reading a group's presence members. */
  presence: 'STREAM_PRESENCE_ERROR',
} as const;

export type StreamOperation = keyof typeof STREAM_OPERATION_ERROR_CODES;

/** The adapter (or a custom stream) failed; the original error is kept as `cause`. */
export class StreamsOperationError extends StreamsError {
  readonly code: (typeof STREAM_OPERATION_ERROR_CODES)[StreamOperation];

  constructor(
    readonly operation: StreamOperation,
    cause: unknown,
  ) {
    super(`stream ${operation} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.code = STREAM_OPERATION_ERROR_CODES[operation];
  }
}

/**
 * A custom stream's `get`, `list` or `listGroups` threw: passed through as iii passes a custom function's
 * failure — its message unchanged and its code (the thrown value's string `code`, else `invocation_failed`,
 * the code iii's SDK gives a throwing handler). The thrown value is `cause`. (A custom `set`, `update` or
 * `delete` that throws fails with the operation's `STREAM_*_ERROR`, as in iii.)
 */
export class StreamsCustomStreamError extends StreamsError {
  readonly code: string;

  constructor(
    readonly operation: StreamOperation,
    readonly streamName: string,
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    const code = (cause as { code?: unknown } | null)?.code;
    this.code = typeof code === 'string' && code !== '' ? code : 'invocation_failed';
  }
}

/** A custom stream's `set`, `update` or `delete` returned a value of the wrong shape (iii `JSON_ERROR`). */
export class StreamsCustomResultError extends StreamsError {
  readonly code = 'JSON_ERROR';

  constructor(
    readonly operation: StreamOperation,
    readonly streamName: string,
    expected: string,
  ) {
    super(`custom stream "${streamName}" ${operation} must return ${expected}`);
  }
}

/** Module options failed validation; `issues` lists every bad field, the message joins them. */
export class StreamsOptionsError extends StreamsError {
  readonly code = 'STREAMS_INVALID_OPTIONS';

  constructor(readonly issues: string[]) {
    super(`Invalid StreamsModule options:\n  - ${issues.join('\n  - ')}`);
  }
}
