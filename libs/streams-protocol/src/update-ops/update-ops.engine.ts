import { utf8Length } from '../text/utf8.length';
import { UPDATE_OP_DOC_URL, UPDATE_OP_LIMITS, UPDATE_OP_TYPES, type UpdateOpError, type UpdateOpType, type UpdateOpsOutcome } from './update-ops.types';

/*
 * The pure `stream::update` engine (SPEC §3.2, iii `update_ops.rs`). Every adapter either calls this or, for
 * Redis, runs a Lua port checked against the same table (test/shared/update-ops.cases.ts).
 *
 * Guarantees: never throws, never mutates its inputs, never touches a prototype. Everything it works on is
 * a private JSON copy (a JSON round trip, i.e. exactly what a file or Redis store would hold), so the only
 * objects it writes to are plain data objects it created itself, and it writes keys with defineProperty.
 *
 * Numbers are JS doubles: integers are exact up to 2^53 (Number.MAX_SAFE_INTEGER + 1), floats are
 * supported, and `by` may be any finite number here (the service layer may restrict it to integers).
 * A result that is not finite is refused as `<op>.not_number`, as iii refuses a non-representable result.
 */

type JsonObject = Record<string, unknown>;
type Step = { ok: true; value: unknown } | { ok: false; code: string; message: string };

const PROTO_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
const OP_TYPES: ReadonlySet<string> = new Set(UPDATE_OP_TYPES);

export function applyUpdateOps(current: unknown, exists: boolean, ops: readonly unknown[]): UpdateOpsOutcome {
  // `missing` stays true until an op succeeds: only then do root numeric/append ops stop treating the item
  // as absent (the working value is still the `{}` a missing item starts as).
  let missing = !exists;
  let root: unknown = missing ? {} : jsonCopy(current, null);
  const errors: UpdateOpError[] = [];
  const count = opCount(ops);
  for (let i = 0; i < count; i++) {
    let step: Step;
    try {
      step = runOp(root, missing, ops[i]);
    } catch {
      // Unreachable on JSON data; a last line of defence so one odd op can never break the call.
      step = fail('op.invalid', 'op could not be applied');
    }
    if (step.ok) {
      root = step.value;
      missing = false;
    } else {
      errors.push({ op_index: i, code: step.code, message: step.message, doc_url: UPDATE_OP_DOC_URL });
    }
  }
  return { value: root, errors };
}

function runOp(root: unknown, missing: boolean, raw: unknown): Step {
  const op = jsonCopy(raw, undefined);
  if (!isObject(op)) return fail('op.invalid', 'op must be a JSON object');
  const type = op.type;
  if (typeof type !== 'string' || !OP_TYPES.has(type)) {
    return fail('op.invalid', `op type must be one of ${UPDATE_OP_TYPES.join(', ')}`);
  }
  const t = type as UpdateOpType;
  // merge and append take an optional string-or-array path and a required value; the others a string path.
  const nested = t === 'merge' || t === 'append';
  const segments = nested ? optionalPath(op.path) : keyPath(op.path);
  if (segments === undefined) return fail('op.invalid', `${t} path must be a string${nested ? ' or an array of strings' : ''}`);
  if (nested && !Object.hasOwn(op, 'value')) return fail('op.invalid', `${t} needs a value`);
  if ((t === 'increment' || t === 'decrement') && !(typeof op.by === 'number' && Number.isFinite(op.by))) {
    return fail('op.invalid', `${t} needs a finite number "by"`);
  }
  const pathError = validatePath(t, segments);
  if (pathError) return pathError;

  switch (t) {
    case 'set':
      return applySet(root, segments, Object.hasOwn(op, 'value') ? op.value : null);
    case 'merge':
      return applyMerge(root, segments, op.value);
    case 'increment':
    case 'decrement':
      return applyNumeric(t, root, missing, segments, t === 'increment' ? (op.by as number) : -(op.by as number));
    case 'append':
      return applyAppend(root, missing, segments, op.value);
    case 'remove':
      return applyRemove(root, segments);
  }
}

// ---- paths ----

/** set/increment/decrement/remove: a string naming one first-level key, `""` = root. */
function keyPath(path: unknown): string[] | undefined {
  if (typeof path !== 'string') return undefined;
  return path === '' ? [] : [path];
}

/** merge/append: absent, null, `""` or `[]` = root; a string is one key; an array is nested keys. */
function optionalPath(path: unknown): string[] | undefined {
  if (path === undefined || path === null || path === '') return [];
  if (typeof path === 'string') return [path];
  if (Array.isArray(path) && path.every((s) => typeof s === 'string')) return path as string[];
  return undefined;
}

/** Limits checked in iii's order: segment count, then per segment: empty, byte length, prototype sink. */
function validatePath(type: UpdateOpType, segments: string[]): Step | undefined {
  const { maxPathSegments, maxSegmentBytes } = UPDATE_OP_LIMITS;
  if (segments.length > maxPathSegments) {
    return fail(`${type}.path.too_deep`, `path ${label(segments)} has ${segments.length} segments (max ${maxPathSegments})`);
  }
  for (const [i, segment] of segments.entries()) {
    if (segment === '') return fail(`${type}.path.empty_segment`, `path ${label(segments)} has an empty segment at position ${i}`);
    const bytes = utf8Length(segment);
    if (bytes > maxSegmentBytes) {
      return fail(`${type}.path.segment_too_long`, `path segment ${i} is ${bytes} bytes (max ${maxSegmentBytes})`);
    }
    if (PROTO_KEYS.has(segment)) {
      return fail(`${type}.path.proto_polluted`, `path ${label(segments)} uses the forbidden segment "${segment}"`);
    }
  }
  return undefined;
}

// ---- ops ----

function applySet(root: unknown, segments: string[], value: unknown): Step {
  if (segments.length === 0) return done(value);
  if (!isObject(root)) return notObject('set', segments, root);
  writeKey(root, segments[0], value);
  return done(root);
}

function applyMerge(root: unknown, segments: string[], value: unknown): Step {
  const invalid = validateMergeValue(value);
  if (invalid) return invalid;
  const source = value as JsonObject;
  if (segments.length === 0) {
    // iii: a root merge on a non-object root is a silent no-op (no error, value unchanged).
    if (isObject(root)) assign(root, source);
    return done(root);
  }
  // A nested merge always wins: a non-object root or intermediate is replaced by `{}`.
  const base = isObject(root) ? root : {};
  assign(walkOrCreate(base, segments), source);
  return done(base);
}

/**
 * Depth of a JSON value: a scalar is 0; an object or array is 1 + the depth of its deepest child (so `{}`
 * and `[]` are 1, `{"a":{}}` is 2, `{"a":[1]}` is 2). A merge value may be at most 16 deep.
 */
function validateMergeValue(value: unknown): Step | undefined {
  const { maxMergeKeys, maxMergeDepth } = UPDATE_OP_LIMITS;
  if (!isObject(value)) return fail('merge.value.not_an_object', `merge value must be a JSON object, got ${kind(value)}`);
  const keys = Object.keys(value);
  if (keys.length > maxMergeKeys) {
    return fail('merge.value.too_many_keys', `merge value has ${keys.length} top-level keys (max ${maxMergeKeys})`);
  }
  const sink = keys.find((k) => PROTO_KEYS.has(k));
  if (sink !== undefined) return fail('merge.value.proto_polluted', `merge value uses the forbidden key "${sink}"`);
  if (deeperThan(value, maxMergeDepth)) {
    return fail('merge.value.too_deep', `merge value is nested more than ${maxMergeDepth} levels deep`);
  }
  return undefined;
}

/** True when depth(value) > limit; stops descending past the limit, so a hostile value costs little. */
function deeperThan(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (limit === 0) return true;
  const children: unknown[] = Array.isArray(value) ? value : Object.values(value);
  return children.some((child) => deeperThan(child, limit - 1));
}

function applyNumeric(type: 'increment' | 'decrement', root: unknown, missing: boolean, segments: string[], delta: number): Step {
  if (segments.length === 0) {
    // A missing item counts as absent at the root, so it starts from `±by` like a missing key.
    return missing ? done(zeroSafe(delta)) : adjust(type, segments, root, delta);
  }
  if (!isObject(root)) return notObject(type, segments, root);
  const key = segments[0];
  // Only own keys count: an inherited name such as "toString" is just a missing key.
  const step = Object.hasOwn(root, key) ? adjust(type, segments, root[key], delta) : done(zeroSafe(delta));
  if (!step.ok) return step;
  writeKey(root, key, step.value);
  return done(root);
}

/** `by: 0` still checks the type; null is not a number. */
function adjust(type: string, segments: string[], target: unknown, delta: number): Step {
  if (typeof target !== 'number') {
    return fail(`${type}.not_number`, `expected a number at ${label(segments)}, got ${kind(target)}`);
  }
  const result = target + delta;
  if (!Number.isFinite(result)) return fail(`${type}.not_number`, `result at ${label(segments)} is not a finite number`);
  return done(zeroSafe(result));
}

function applyAppend(root: unknown, missing: boolean, segments: string[], value: unknown): Step {
  if (segments.length === 0) return appendTo(missing ? null : root, value, segments);
  // Checked before walking, so a failed append never rewrites the root.
  if (!isObject(root)) return notObject('append', segments, root);
  const leaf = segments[segments.length - 1];
  // Walking only mutates when it creates or replaces an intermediate, and then the leaf is missing and
  // the append cannot fail: a failing append leaves the value untouched.
  const parent = walkOrCreate(root, segments.slice(0, -1));
  if (!Object.hasOwn(parent, leaf)) {
    // iii: a missing single key is initialised like null; a missing nested leaf always becomes an array.
    writeKey(parent, leaf, segments.length === 1 ? initialAppend(value) : [value]);
    return done(root);
  }
  const step = appendTo(parent[leaf], value, segments);
  if (!step.ok) return step;
  writeKey(parent, leaf, step.value);
  return done(root);
}

/** Array: push as ONE element. String: concatenate a string. Null: initialise. Anything else: mismatch. */
function appendTo(target: unknown, value: unknown, segments: string[]): Step {
  if (Array.isArray(target)) {
    target.push(value);
    return done(target);
  }
  if (typeof target === 'string') {
    if (typeof value === 'string') return done(target + value);
    return fail('append.type_mismatch', `cannot append ${kind(value)} to the string at ${label(segments)}`);
  }
  if (target === null) return done(initialAppend(value));
  return fail('append.type_mismatch', `cannot append at ${label(segments)}: target is ${kind(target)}, expected array, string or null`);
}

function initialAppend(value: unknown): unknown {
  return typeof value === 'string' ? value : [value];
}

function applyRemove(root: unknown, segments: string[]): Step {
  if (segments.length === 0) return done(null);
  if (!isObject(root)) return notObject('remove', segments, root);
  if (Object.hasOwn(root, segments[0])) delete root[segments[0]];
  return done(root);
}

// ---- helpers ----

/** Anything but a real array (even a hostile proxy) counts as no ops. */
function opCount(ops: unknown): number {
  try {
    return Array.isArray(ops) ? ops.length : 0;
  } catch {
    return 0;
  }
}

/** Descends through `segments`, creating or replacing every non-object (array, null, scalar) with `{}`. */
function walkOrCreate(base: JsonObject, segments: string[]): JsonObject {
  let node = base;
  for (const segment of segments) {
    const next = Object.hasOwn(node, segment) ? node[segment] : undefined;
    if (isObject(next)) {
      node = next;
    } else {
      const created: JsonObject = {};
      writeKey(node, segment, created);
      node = created;
    }
  }
  return node;
}

/** Shallow merge: existing keys keep their position, new keys are appended in the source's order. */
function assign(target: JsonObject, source: JsonObject): void {
  for (const key of Object.keys(source)) writeKey(target, key, source[key]);
}

/** A plain data write: defineProperty never triggers the `__proto__` setter, whatever the key. */
function writeKey(target: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

/**
 * A private JSON copy (own `__proto__` keys survive as data: JSON.parse defines them). NaN/Infinity become
 * null and undefined members vanish, as in any JSON store. Unserialisable input (cycles, BigInt, throwing
 * getters, or nothing to serialise) yields `fallback`.
 */
function jsonCopy(value: unknown, fallback: unknown): unknown {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? fallback : (JSON.parse(text) as unknown);
  } catch {
    return fallback;
  }
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

/** `root`, `"key"` or `["a","b"]`: never dot-joined, since dots are not separators. */
function label(segments: string[]): string {
  if (segments.length === 0) return 'root';
  return segments.length === 1 ? JSON.stringify(segments[0]) : JSON.stringify(segments);
}

function notObject(type: string, segments: string[], root: unknown): Step {
  return fail(`${type}.target_not_object`, `cannot ${type} at ${label(segments)}: the value is ${kind(root)}, expected object`);
}

/** -0 is not JSON (it prints as 0); keep results identical however they are compared. */
function zeroSafe(n: number): number {
  return n === 0 ? 0 : n;
}

function done(value: unknown): Step {
  return { ok: true, value };
}

function fail(code: string, message: string): Step {
  return { ok: false, code, message };
}
