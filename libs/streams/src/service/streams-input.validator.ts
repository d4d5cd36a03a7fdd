import type { WriteCondition } from '../adapters/item-write.condition';
import { MAX_TTL_MS } from '../adapters/expiry/item-expiry';
import { nameProblem } from '../common/stream-name';
import { StreamsInputError } from '../errors/streams.errors';
import { UPDATE_OP_TYPES, type UpdateOp } from 'nest-realtime-streams-protocol';

/** Longest `if_version`, in UTF-8 bytes: versions are `epoch:seq`, well under it. */
export const MAX_VERSION_BYTES = 128;

/** Longest `idempotency_key`, in UTF-8 bytes (a key is stored with every record and event it names). */
export const MAX_IDEMPOTENCY_KEY_BYTES = 256;

type Input = Record<string, unknown>;

export function record(value: unknown, field = 'payload'): Input {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new StreamsInputError(field, 'must be an object');
  return value as Input;
}

/**
 * A stream, group or item name (and a subscription id): any string iii accepts, the empty string and `:`
 * included, as long as it is well-formed Unicode — a lone surrogate would not survive the UTF-8 round-trip
 * through Redis or the file store (iii's JSON parser refuses one too) — and at most MAX_NAME_BYTES long, so
 * a client cannot make the server hold or key on arbitrarily long names (iii sets no limit).
 */
export function name(input: Input, field: string, label = field): string {
  const value = input[field];
  const problem = nameProblem(value);
  if (problem) throw new StreamsInputError(label, problem);
  return value as string;
}

export function optionalName(input: Input, field: string): string | undefined {
  return input[field] === undefined || input[field] === null ? undefined : name(input, field);
}

/**
 * The value as plain JSON, exactly as every adapter will store it: Dates become strings, `undefined`
 * properties vanish. Values JSON cannot carry (BigInt, cycles, a top-level undefined) are refused.
 */
export function json(input: Input, field: string): unknown {
  const value = input[field];
  if (value === undefined) throw new StreamsInputError(field, 'is required (use null for no value)');
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new StreamsInputError(field, `must be JSON-serialisable (${(error as Error).message})`);
  }
  if (text === undefined) throw new StreamsInputError(field, 'must be JSON-serialisable');
  return JSON.parse(text) as unknown;
}

function isPath(value: unknown): boolean {
  return typeof value === 'string' || (Array.isArray(value) && value.every((s) => typeof s === 'string'));
}

/**
 * The shape of each op; what ops do with their paths and values is the engine's business, reported per op.
 * A structurally wrong op refuses the whole call, as a malformed payload does in iii.
 */
export function updateOps(input: Input): UpdateOp[] {
  const ops = input.ops;
  if (!Array.isArray(ops)) throw new StreamsInputError('ops', 'must be an array of update ops');
  ops.forEach((op: unknown, i) => {
    const field = `ops[${i}]`;
    const o = record(op, field);
    if (!UPDATE_OP_TYPES.includes(o.type as UpdateOp['type'])) {
      throw new StreamsInputError(`${field}.type`, `must be one of ${UPDATE_OP_TYPES.join(', ')}`);
    }
    const needsStringPath = o.type !== 'merge' && o.type !== 'append';
    if (needsStringPath ? typeof o.path !== 'string' : o.path !== undefined && !isPath(o.path)) {
      throw new StreamsInputError(`${field}.path`, needsStringPath ? 'must be a string' : 'must be a string or an array of strings');
    }
    if ((o.type === 'increment' || o.type === 'decrement') && !Number.isSafeInteger(o.by)) {
      throw new StreamsInputError(`${field}.by`, 'must be an integer');
    }
    if ((o.type === 'merge' || o.type === 'append') && o.value === undefined) throw new StreamsInputError(`${field}.value`, 'is required');
  });
  return ops as UpdateOp[];
}

const CONDITION_FIELDS = ['if_version', 'if_absent', 'if_exists'] as const;

/**
 * The write's condition (`if_version`, `if_absent` or `if_exists`, at most one), or undefined when none is
 * given. `if_version` is a version string or null (the item must be missing); the flags must be `true`.
 */
export function writeCondition(input: Input): WriteCondition | undefined {
  const given = CONDITION_FIELDS.filter((field) => input[field] !== undefined);
  if (given.length === 0) return undefined;
  if (given.length > 1) throw new StreamsInputError(given[1], `cannot be combined with ${given[0]} (give at most one condition)`);
  const [field] = given;
  const value = input[field];
  if (field !== 'if_version') {
    if (value !== true) throw new StreamsInputError(field, 'must be true when given');
    return field === 'if_absent' ? { if_absent: true } : { if_exists: true };
  }
  if (value === null) return { if_version: null };
  if (typeof value !== 'string' || value === '') throw new StreamsInputError(field, 'must be a non-empty string (a version) or null');
  if (Buffer.byteLength(value, 'utf8') > MAX_VERSION_BYTES) throw new StreamsInputError(field, `must be at most ${MAX_VERSION_BYTES} bytes of UTF-8`);
  if (!value.isWellFormed()) throw new StreamsInputError(field, 'must be well-formed Unicode (no lone surrogates)');
  return { if_version: value };
}

/** The call's `idempotency_key` (SPEC §8), or undefined when none is given: a non-empty, well-formed string of bounded length. */
export function idempotencyKey(input: Input): string | undefined {
  const field = 'idempotency_key';
  const value = input[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new StreamsInputError(field, 'must be a non-empty string');
  if (Buffer.byteLength(value, 'utf8') > MAX_IDEMPOTENCY_KEY_BYTES) throw new StreamsInputError(field, `must be at most ${MAX_IDEMPOTENCY_KEY_BYTES} bytes of UTF-8`);
  if (!value.isWellFormed()) throw new StreamsInputError(field, 'must be well-formed Unicode (no lone surrogates)');
  return value;
}

/** The write's `ttl_ms` (SPEC §8), or undefined when none is given: a positive integer of at most MAX_TTL_MS. */
export function ttlMs(input: Input): number | undefined {
  const value = input.ttl_ms;
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || (value as number) <= 0 || (value as number) > MAX_TTL_MS) {
    throw new StreamsInputError('ttl_ms', `must be a positive integer of milliseconds, at most ${MAX_TTL_MS} (30 days)`);
  }
  return value as number;
}
