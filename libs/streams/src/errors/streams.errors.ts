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

/** Module options failed validation; `issues` lists every bad field, the message joins them. */
export class StreamsOptionsError extends StreamsError {
  readonly code = 'STREAMS_INVALID_OPTIONS';

  constructor(readonly issues: string[]) {
    super(`Invalid StreamsModule options:\n  - ${issues.join('\n  - ')}`);
  }
}
