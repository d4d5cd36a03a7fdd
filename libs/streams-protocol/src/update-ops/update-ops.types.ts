/**
 * `stream::update` ops (SPEC §3.2), the iii shapes. A path string is ONE literal key (dots are not
 * separators); an array path is nested keys. `""` (and, where a path is optional, `[]` or no path) is the root.
 */

export const UPDATE_OP_TYPES = ['set', 'merge', 'increment', 'decrement', 'append', 'remove'] as const;

export type UpdateOpType = (typeof UPDATE_OP_TYPES)[number];

/** Replace the root (`""`, even with null) or set one first-level key. An absent `value` means null. */
export interface SetOp {
  type: 'set';
  path: string;
  value?: unknown;
}

/** Shallow-merge a JSON object at the root or at a nested path (intermediates are created or replaced by `{}`). */
export interface MergeOp {
  type: 'merge';
  path?: string | string[];
  /** A JSON object; anything else is reported as `merge.value.not_an_object`. */
  value: object;
}

/** Add `by` to a number; a missing key (or missing item, at the root) becomes `by`. */
export interface IncrementOp {
  type: 'increment';
  path: string;
  by: number;
}

/** Subtract `by` from a number; a missing key (or missing item, at the root) becomes `-by`. */
export interface DecrementOp {
  type: 'decrement';
  path: string;
  by: number;
}

/** Push one element onto an array, concatenate onto a string, or initialise null/missing targets. */
export interface AppendOp {
  type: 'append';
  path?: string | string[];
  value: unknown;
}

/** Delete one first-level key (missing key: no-op), or set the whole value to null with `""`. */
export interface RemoveOp {
  type: 'remove';
  path: string;
}

export type UpdateOp = SetOp | MergeOp | IncrementOp | DecrementOp | AppendOp | RemoveOp;

/** Where every update-op error points, as in iii (its engine and its Redis script use this one page). */
export const UPDATE_OP_DOC_URL = 'https://iii.dev/docs/workers/iii-state#error-codes';

/**
 * One skipped op. `op_index` is its position in the submitted array. The built-in engines always set
 * `doc_url`; it is optional in the type, as in iii's, because a custom stream's `update` may omit it.
 */
export interface UpdateOpError {
  op_index: number;
  code: string;
  message: string;
  doc_url?: string;
}

export interface UpdateOpsOutcome {
  value: unknown;
  /** One entry per failed op, in op order; empty when every op applied. */
  errors: UpdateOpError[];
}

/** Validation bounds, identical on every adapter (the Redis Lua script mirrors them). */
export const UPDATE_OP_LIMITS = {
  /** Max segments in a path. */
  maxPathSegments: 32,
  /** Max UTF-8 bytes per path segment. */
  maxSegmentBytes: 256,
  /** Max top-level keys in a merge value. */
  maxMergeKeys: 1024,
  /** Max JSON nesting depth of a merge value (see the engine for the exact definition). */
  maxMergeDepth: 16,
} as const;
