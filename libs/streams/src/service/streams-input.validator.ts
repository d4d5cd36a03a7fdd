import { StreamsInputError } from '../errors/streams.errors';
import type { UpdateOp } from '../update-ops/update-ops.types';
import { UPDATE_OP_TYPES } from '../update-ops/update-ops.types';

/** Longest stream, group or item name, in UTF-8 bytes. */
export const MAX_NAME_BYTES = 256;

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

/** Why `value` is not a valid name, or null when it is one. */
export function nameProblem(value: unknown): string | null {
  if (typeof value !== 'string') return 'must be a string';
  if (Buffer.byteLength(value, 'utf8') > MAX_NAME_BYTES) return `must be at most ${MAX_NAME_BYTES} bytes of UTF-8`;
  if (!value.isWellFormed()) return 'must be well-formed Unicode (no lone surrogates)';
  return null;
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
