/**
 * The shared `stream::update` table (SPEC §3.2; iii reference §3.1 and §9.2 "Update-op tests").
 *
 * Pure JSON data: the in-process engine runs it, and so must every other implementation (the Redis Lua
 * script included), comparing `value` by JSON text (key order matters) and errors by `op_index`, `code` and
 * `doc_url` (iii's one error-codes page, on every error of its engine and of its Redis script).
 * The helpers below only build large inputs; the exported array survives JSON.stringify/parse unchanged.
 *
 * Numbers stay within what every implementation prints the same way: small integers, dyadic floats
 * (1.5, 0.25, ...), the 2^53 boundary and the largest double.
 *
 * `exists: false` means the item is missing (`current` is then ignored); otherwise `current` is the
 * stored value.
 */

export interface UpdateOpCaseError {
  op_index: number;
  code: string;
  doc_url: string;
}

export interface UpdateOpCase {
  name: string;
  current?: unknown;
  exists: boolean;
  ops: unknown[];
  expected: { value: unknown; errors: UpdateOpCaseError[] };
}

// ---- builders (run once, at load) ----

/** JSON text → value; the only way to get an OWN `__proto__` key, as a client's JSON would. */
const json = (text: string): unknown => JSON.parse(text);

/** `{"__proto__":{"polluted":true}}` with `__proto__` as an own data key. */
const POISON = '{"__proto__":{"polluted":true}}';

/** ['k0', 'k1', ...]. */
const segments = (n: number): string[] => Array.from({ length: n }, (_, i) => `k${i}`);

/** {"k0":{"k1":{... leaf}}} along `path`. */
const nestAlong = (path: string[], leaf: unknown): unknown => path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), leaf);

/** An object of JSON depth `depth` (scalars add nothing): depth 1 = {"leaf":true}, 2 = {"n":{"leaf":true}}. */
const objectOfDepth = (depth: number): Record<string, unknown> =>
  nestAlong(Array.from({ length: depth - 1 }, () => 'n'), { leaf: true }) as Record<string, unknown>;

/** An array of JSON depth `depth`: 1 = [true], 2 = [[true]]. */
const arrayOfDepth = (depth: number): unknown => (depth === 1 ? [true] : [arrayOfDepth(depth - 1)]);

/** {"k0":0,"k1":1,...} with `n` keys. */
const withKeys = (n: number): Record<string, number> => Object.fromEntries(segments(n).map((k, i) => [k, i]));

const SEG_256 = 'x'.repeat(256);
const SEG_257 = 'x'.repeat(257);
const PROTO_SEGMENTS = ['__proto__', 'constructor', 'prototype'] as const;

/** iii's `doc_url` (engine/src/update_ops.rs and its Redis script), written out here, not imported. */
const DOC_URL = 'https://iii.dev/docs/workers/iii-state#error-codes';

const E = (op_index: number, code: string): UpdateOpCaseError => ({ op_index, code, doc_url: DOC_URL });

/** A case on a stored item. */
const onItem = (name: string, current: unknown, ops: unknown[], value: unknown, errors: UpdateOpCaseError[] = []): UpdateOpCase => ({
  name,
  current,
  exists: true,
  ops,
  expected: { value, errors },
});

/** A case on a missing item. */
const onMissing = (name: string, ops: unknown[], value: unknown, errors: UpdateOpCaseError[] = []): UpdateOpCase => ({
  name,
  exists: false,
  ops,
  expected: { value, errors },
});

// ---- set ----

const setCases: UpdateOpCase[] = [
  onItem('set: "" replaces an object root', { a: 1 }, [{ type: 'set', path: '', value: { b: 2 } }], { b: 2 }),
  onItem('set: "" replaces the root with null', { '': 'empty-field', keep: true }, [{ type: 'set', path: '', value: null }], null),
  onItem('set: "" with no value sets the root to null', { a: 1 }, [{ type: 'set', path: '' }], null),
  onItem('set: "" replaces a scalar root', 'leaf', [{ type: 'set', path: '', value: 42 }], 42),
  onItem('set: "" replaces an array root', [1, 2], [{ type: 'set', path: '', value: { x: [1] } }], { x: [1] }),
  onMissing('set: "" on a missing item', [{ type: 'set', path: '', value: 'hello' }], 'hello'),
  onMissing('set: "" with null on a missing item', [{ type: 'set', path: '', value: null }], null),
  onItem('set: a new key is added at the end', { b: 1, a: 2 }, [{ type: 'set', path: 'c', value: 3 }], { b: 1, a: 2, c: 3 }),
  onItem('set: an existing key keeps its position', { a: 1, b: 2 }, [{ type: 'set', path: 'a', value: { x: 1 } }], { a: { x: 1 }, b: 2 }),
  onItem('set: a key with no value stores null', { a: 1 }, [{ type: 'set', path: 'b' }], { a: 1, b: null }),
  onItem('set: null stores null and keeps the key', { a: 1 }, [{ type: 'set', path: 'a', value: null }], { a: null }),
  onItem('set: nested JSON value stored as given', {}, [{ type: 'set', path: 'a', value: { b: [1, { c: null }], d: 'e' } }], {
    a: { b: [1, { c: null }], d: 'e' },
  }),
  onMissing('set: key on a missing item starts from {}', [{ type: 'set', path: 'a', value: 1 }], { a: 1 }),
  onItem('set: key on a string root -> set.target_not_object', 'leaf', [{ type: 'set', path: 'a', value: 1 }], 'leaf', [E(0, 'set.target_not_object')]),
  onItem('set: key on an array root -> set.target_not_object', [1, 2], [{ type: 'set', path: 'a', value: 1 }], [1, 2], [E(0, 'set.target_not_object')]),
  onItem('set: key on a null root -> set.target_not_object', null, [{ type: 'set', path: 'a', value: 1 }], null, [E(0, 'set.target_not_object')]),
  onItem('set: key on a number root -> set.target_not_object', 7, [{ type: 'set', path: 'a', value: 1 }], 7, [E(0, 'set.target_not_object')]),
  onItem('set: key on a boolean root -> set.target_not_object', true, [{ type: 'set', path: 'a', value: 1 }], true, [E(0, 'set.target_not_object')]),
  onItem('set: a dotted path is one literal key', { a: { b: 1 } }, [{ type: 'set', path: 'a.b', value: 2 }], { a: { b: 1 }, 'a.b': 2 }),
  onItem(
    'set: inherited names (toString, hasOwnProperty, valueOf) are ordinary keys',
    {},
    [
      { type: 'set', path: 'toString', value: 1 },
      { type: 'set', path: 'hasOwnProperty', value: 2 },
      { type: 'set', path: 'valueOf', value: 3 },
    ],
    { toString: 1, hasOwnProperty: 2, valueOf: 3 },
  ),
  onItem('set: a value with an own "__proto__" key is stored as data', {}, [{ type: 'set', path: 'a', value: json(POISON) }], json(`{"a":${POISON}}`)),
  onItem('set: "" with an own "__proto__" key is stored as data', { a: 1 }, [{ type: 'set', path: '', value: json(POISON) }], json(POISON)),
  onItem('set: a stored own "__proto__" key survives other ops', json(`{"a":1,"__proto__":{"x":1}}`), [{ type: 'set', path: 'b', value: 2 }], json('{"a":1,"__proto__":{"x":1},"b":2}')),
  // Segment limit: 256 UTF-8 bytes, counted in bytes not characters.
  onItem('set: a 256-byte key is accepted', {}, [{ type: 'set', path: SEG_256, value: 1 }], { [SEG_256]: 1 }),
  onItem('set: a 257-byte key -> set.path.segment_too_long', {}, [{ type: 'set', path: SEG_257, value: 1 }], {}, [E(0, 'set.path.segment_too_long')]),
  onItem('set: 128 x "é" (256 bytes) is accepted', {}, [{ type: 'set', path: 'é'.repeat(128), value: 1 }], { ['é'.repeat(128)]: 1 }),
  onItem('set: 129 x "é" (258 bytes, 129 chars) -> set.path.segment_too_long', {}, [{ type: 'set', path: 'é'.repeat(129), value: 1 }], {}, [
    E(0, 'set.path.segment_too_long'),
  ]),
  onItem('set: 85 x "€" (255 bytes) is accepted', {}, [{ type: 'set', path: '€'.repeat(85), value: 1 }], { ['€'.repeat(85)]: 1 }),
  onItem('set: 86 x "€" (258 bytes) -> set.path.segment_too_long', {}, [{ type: 'set', path: '€'.repeat(86), value: 1 }], {}, [E(0, 'set.path.segment_too_long')]),
  onItem('set: 64 x 4-byte emoji (256 bytes) is accepted', {}, [{ type: 'set', path: '😀'.repeat(64), value: 1 }], { ['😀'.repeat(64)]: 1 }),
  onItem('set: 65 x 4-byte emoji (260 bytes) -> set.path.segment_too_long', {}, [{ type: 'set', path: '😀'.repeat(65), value: 1 }], {}, [
    E(0, 'set.path.segment_too_long'),
  ]),
  ...PROTO_SEGMENTS.map((p) => onItem(`set: path "${p}" -> set.path.proto_polluted`, { a: 1 }, [{ type: 'set', path: p, value: { polluted: true } }], { a: 1 }, [E(0, 'set.path.proto_polluted')])),
  onItem('set: an array path -> op.invalid', {}, [{ type: 'set', path: ['a'], value: 1 }], {}, [E(0, 'op.invalid')]),
  onItem('set: no path -> op.invalid', { a: 1 }, [{ type: 'set', value: 1 }], { a: 1 }, [E(0, 'op.invalid')]),
  onItem('set: a numeric path -> op.invalid', {}, [{ type: 'set', path: 1, value: 1 }], {}, [E(0, 'op.invalid')]),
];

// ---- merge ----

const mergeRootCases: UpdateOpCase[] = [
  onItem('merge: root merge adds and overwrites keys', { a: 1, b: 2 }, [{ type: 'merge', value: { b: 3, c: 4 } }], { a: 1, b: 3, c: 4 }),
  onItem('merge: existing keys keep their position, new keys follow in value order', { z: 1, a: 2 }, [{ type: 'merge', value: { m: 3, z: 4, b: 5 } }], {
    z: 4,
    a: 2,
    m: 3,
    b: 5,
  }),
  onItem('merge: path "" is the root', { a: 1 }, [{ type: 'merge', path: '', value: { b: 2 } }], { a: 1, b: 2 }),
  onItem('merge: path [] is the root', { a: 1 }, [{ type: 'merge', path: [], value: { b: 2 } }], { a: 1, b: 2 }),
  onItem('merge: path null is the root', { a: 1 }, [{ type: 'merge', path: null, value: { b: 2 } }], { a: 1, b: 2 }),
  onMissing('merge: root merge on a missing item', [{ type: 'merge', value: { a: 1 } }], { a: 1 }),
  onItem('merge: root merge is shallow', { a: { x: 1, y: 2 }, k: 1 }, [{ type: 'merge', value: { a: { x: 3 } } }], { a: { x: 3 }, k: 1 }),
  onItem('merge: merging {} changes nothing', { a: 1 }, [{ type: 'merge', value: {} }], { a: 1 }),
  onItem('merge: null values are stored, not deleted', { a: 1 }, [{ type: 'merge', value: { a: null } }], { a: null }),
  onItem('merge: root merge on a string root is a silent no-op', 'leaf', [{ type: 'merge', value: { a: 1 } }], 'leaf'),
  onItem('merge: root merge on a number root is a silent no-op', 5, [{ type: 'merge', value: { a: 1 } }], 5),
  onItem('merge: root merge on an array root is a silent no-op', [1], [{ type: 'merge', path: [], value: { a: 1 } }], [1]),
  onItem('merge: root merge on a null root is a silent no-op', null, [{ type: 'merge', path: '', value: { a: 1 } }], null),
  onItem('merge: root merge on a boolean root is a silent no-op', false, [{ type: 'merge', value: { a: 1 } }], false),
  onItem('merge: inherited names are ordinary keys', {}, [{ type: 'merge', value: { toString: 1, valueOf: 2 } }], { toString: 1, valueOf: 2 }),
  onItem('merge: an own "__proto__" key below the top level is data', {}, [{ type: 'merge', value: json(`{"safe":${POISON}}`) }], json(`{"safe":${POISON}}`)),
];

const mergeNestedCases: UpdateOpCase[] = [
  onItem('merge: string path merges into an existing object field', { 'session-1': { ts1: 'a' } }, [{ type: 'merge', path: 'session-1', value: { ts2: 'b' } }], {
    'session-1': { ts1: 'a', ts2: 'b' },
  }),
  onItem('merge: string path creates a missing field', { k: 1 }, [{ type: 'merge', path: 'session-1', value: { author: 'alice' } }], {
    k: 1,
    'session-1': { author: 'alice' },
  }),
  onItem('merge: a one-segment array path equals the string path', {}, [{ type: 'merge', path: ['foo'], value: { x: 1 } }], { foo: { x: 1 } }),
  onItem('merge: string path replaces a non-object field with {}', { a: 'garbage', b: 1 }, [{ type: 'merge', path: 'a', value: { x: 1 } }], { a: { x: 1 }, b: 1 }),
  onItem('merge: nested path creates missing intermediates', {}, [{ type: 'merge', path: ['a', 'b', 'c'], value: { x: 1 } }], { a: { b: { c: { x: 1 } } } }),
  onItem('merge: nested path replaces a string at the target', { sessions: { abc: 'garbage' } }, [{ type: 'merge', path: ['sessions', 'abc'], value: { author: 'alice' } }], {
    sessions: { abc: { author: 'alice' } },
  }),
  onItem('merge: nested path replaces an array intermediate', { a: [1, 2], k: 1 }, [{ type: 'merge', path: ['a', 'b'], value: { x: 1 } }], { a: { b: { x: 1 } }, k: 1 }),
  onItem('merge: nested path replaces a null intermediate', { a: null }, [{ type: 'merge', path: ['a', 'b'], value: { x: 1 } }], { a: { b: { x: 1 } } }),
  onItem('merge: nested path replaces a deeper number intermediate', { a: { b: 5, s: 1 } }, [{ type: 'merge', path: ['a', 'b', 'c'], value: { x: 1 } }], {
    a: { b: { c: { x: 1 } }, s: 1 },
  }),
  onItem(
    'merge: nested merge is shallow and keeps sibling keys',
    { sessions: { abc: { author: 'old', topic: 'preserved', meta: { a: 1 } } } },
    [{ type: 'merge', path: ['sessions', 'abc'], value: { author: 'new', meta: { b: 2 } } }],
    { sessions: { abc: { author: 'new', topic: 'preserved', meta: { b: 2 } } } },
  ),
  onItem('merge: nested path on a string root replaces the root', 'leaf', [{ type: 'merge', path: ['a'], value: { x: 1 } }], { a: { x: 1 } }),
  onItem('merge: nested path on an array root replaces the root', [1, 2], [{ type: 'merge', path: ['a', 'b'], value: { x: 1 } }], { a: { b: { x: 1 } } }),
  onItem('merge: string path on a null root replaces the root', null, [{ type: 'merge', path: 'a', value: { x: 1 } }], { a: { x: 1 } }),
  onItem('merge: string path on a number root replaces the root', 3, [{ type: 'merge', path: 'a', value: {} }], { a: {} }),
  onMissing('merge: nested path on a missing item', [{ type: 'merge', path: ['a', 'b'], value: { x: 1 } }], { a: { b: { x: 1 } } }),
  onItem('merge: a dotted string path is one literal key', { a: { b: { preserved: true } } }, [{ type: 'merge', path: 'a.b', value: { x: 1 } }], {
    a: { b: { preserved: true } },
    'a.b': { x: 1 },
  }),
  onItem('merge: a dotted array segment is one literal key', { a: { b: { preserved: true } } }, [{ type: 'merge', path: ['a.b'], value: { x: 1 } }], {
    a: { b: { preserved: true } },
    'a.b': { x: 1 },
  }),
  onItem('merge: inherited names in a path are ordinary keys', {}, [{ type: 'merge', path: ['toString', 'valueOf'], value: { x: 1 } }], {
    toString: { valueOf: { x: 1 } },
  }),
];

const mergeValueCases: UpdateOpCase[] = [
  onItem('merge: a string value -> merge.value.not_an_object', { a: 1 }, [{ type: 'merge', value: 'not-an-object' }], { a: 1 }, [E(0, 'merge.value.not_an_object')]),
  onItem('merge: an array value -> merge.value.not_an_object', { a: 1 }, [{ type: 'merge', value: [1, 2] }], { a: 1 }, [E(0, 'merge.value.not_an_object')]),
  onItem('merge: a null value -> merge.value.not_an_object', { a: 1 }, [{ type: 'merge', value: null }], { a: 1 }, [E(0, 'merge.value.not_an_object')]),
  onItem('merge: a number value -> merge.value.not_an_object', { a: 1 }, [{ type: 'merge', value: 5 }], { a: 1 }, [E(0, 'merge.value.not_an_object')]),
  onItem('merge: a boolean value -> merge.value.not_an_object', { a: 1 }, [{ type: 'merge', value: true }], { a: 1 }, [E(0, 'merge.value.not_an_object')]),
  onItem('merge: a non-object value at a path creates nothing', { a: 1 }, [{ type: 'merge', path: ['foo', 'bar'], value: 'x' }], { a: 1 }, [
    E(0, 'merge.value.not_an_object'),
  ]),
  onItem('merge: a non-object value on a non-object root is still an error', 'leaf', [{ type: 'merge', value: 'x' }], 'leaf', [E(0, 'merge.value.not_an_object')]),
  onItem('merge: no value -> op.invalid', { a: 1 }, [{ type: 'merge', path: 'a' }], { a: 1 }, [E(0, 'op.invalid')]),
  // Top-level key limit: 1024.
  onItem('merge: 1024 top-level keys are accepted', {}, [{ type: 'merge', value: withKeys(1024) }], withKeys(1024)),
  onItem('merge: 1025 top-level keys -> merge.value.too_many_keys', { a: 1 }, [{ type: 'merge', value: withKeys(1025) }], { a: 1 }, [E(0, 'merge.value.too_many_keys')]),
  onItem('merge: keys are counted at the top level only', {}, [{ type: 'merge', value: { big: withKeys(1100) } }], { big: withKeys(1100) }),
  // Prototype-pollution keys: top level only.
  onItem('merge: an own top-level "__proto__" key -> merge.value.proto_polluted', { a: 1 }, [{ type: 'merge', value: json(POISON) }], { a: 1 }, [
    E(0, 'merge.value.proto_polluted'),
  ]),
  onItem('merge: a top-level "constructor" key -> merge.value.proto_polluted', { a: 1 }, [{ type: 'merge', value: { constructor: { prototype: { polluted: true } } } }], { a: 1 }, [
    E(0, 'merge.value.proto_polluted'),
  ]),
  onItem('merge: a top-level "prototype" key -> merge.value.proto_polluted (whole op skipped)', { a: 1 }, [{ type: 'merge', value: { ok: 1, prototype: 1 } }], { a: 1 }, [
    E(0, 'merge.value.proto_polluted'),
  ]),
  onItem('merge: a "__proto__" key at a path is still checked on the value', {}, [{ type: 'merge', path: ['a'], value: json(POISON) }], {}, [E(0, 'merge.value.proto_polluted')]),
  // Depth: a scalar is 0, an object or array is 1 + its deepest child. At most 16.
  onItem('merge: value depth 16 is accepted', {}, [{ type: 'merge', value: objectOfDepth(16) }], objectOfDepth(16)),
  onItem('merge: value depth 17 -> merge.value.too_deep', { a: 1 }, [{ type: 'merge', value: objectOfDepth(17) }], { a: 1 }, [E(0, 'merge.value.too_deep')]),
  onItem('merge: arrays count for depth (16 accepted)', {}, [{ type: 'merge', value: { a: arrayOfDepth(15) } }], { a: arrayOfDepth(15) }),
  onItem('merge: arrays count for depth (17 -> merge.value.too_deep)', {}, [{ type: 'merge', value: { a: arrayOfDepth(16) } }], {}, [E(0, 'merge.value.too_deep')]),
  onItem('merge: empty containers count as one level (16 accepted)', {}, [{ type: 'merge', value: nestAlong(segments(15), {}) }], nestAlong(segments(15), {})),
  onItem('merge: empty containers count as one level (17 -> too_deep)', {}, [{ type: 'merge', value: nestAlong(segments(16), []) }], {}, [E(0, 'merge.value.too_deep')]),
  onItem('merge: the path does not count towards value depth', {}, [{ type: 'merge', path: segments(10), value: objectOfDepth(16) }], nestAlong(segments(10), objectOfDepth(16))),
  // Check order: path, then not_an_object, too_many_keys, proto_polluted, too_deep.
  onItem('merge: the path is checked before the value', {}, [{ type: 'merge', path: '__proto__', value: 'x' }], {}, [E(0, 'merge.path.proto_polluted')]),
  onItem('merge: too_many_keys is checked before proto_polluted', {}, [{ type: 'merge', value: { ...withKeys(1025), constructor: 1 } }], {}, [E(0, 'merge.value.too_many_keys')]),
  onItem('merge: proto_polluted is checked before too_deep', {}, [{ type: 'merge', value: { constructor: objectOfDepth(17) } }], {}, [E(0, 'merge.value.proto_polluted')]),
];

const mergePathCases: UpdateOpCase[] = [
  onItem('merge: a 32-segment path is accepted', {}, [{ type: 'merge', path: segments(32), value: { x: 1 } }], nestAlong(segments(32), { x: 1 })),
  onItem('merge: a 33-segment path -> merge.path.too_deep', {}, [{ type: 'merge', path: segments(33), value: { x: 1 } }], {}, [E(0, 'merge.path.too_deep')]),
  onItem('merge: [""] -> merge.path.empty_segment', { a: 1 }, [{ type: 'merge', path: [''], value: { x: 1 } }], { a: 1 }, [E(0, 'merge.path.empty_segment')]),
  onItem('merge: ["a", ""] -> merge.path.empty_segment, nothing created', {}, [{ type: 'merge', path: ['a', ''], value: { x: 1 } }], {}, [E(0, 'merge.path.empty_segment')]),
  onItem('merge: a 256-byte segment is accepted', {}, [{ type: 'merge', path: ['a', SEG_256], value: { x: 1 } }], { a: { [SEG_256]: { x: 1 } } }),
  onItem('merge: a 257-byte segment -> merge.path.segment_too_long', {}, [{ type: 'merge', path: ['a', SEG_257], value: { x: 1 } }], {}, [E(0, 'merge.path.segment_too_long')]),
  onItem('merge: a 257-byte string path -> merge.path.segment_too_long', {}, [{ type: 'merge', path: SEG_257, value: { x: 1 } }], {}, [E(0, 'merge.path.segment_too_long')]),
  ...PROTO_SEGMENTS.map((p) => onItem(`merge: string path "${p}" -> merge.path.proto_polluted`, {}, [{ type: 'merge', path: p, value: { polluted: true } }], {}, [E(0, 'merge.path.proto_polluted')])),
  onItem('merge: ["__proto__"] -> merge.path.proto_polluted', {}, [{ type: 'merge', path: ['__proto__'], value: { polluted: true } }], {}, [E(0, 'merge.path.proto_polluted')]),
  onItem('merge: a "constructor" intermediate is rejected before anything is created', {}, [{ type: 'merge', path: ['a', 'constructor', 'b'], value: { x: 1 } }], {}, [
    E(0, 'merge.path.proto_polluted'),
  ]),
  onItem('merge: a "prototype" leaf is rejected', { a: {} }, [{ type: 'merge', path: ['a', 'prototype'], value: { x: 1 } }], { a: {} }, [E(0, 'merge.path.proto_polluted')]),
  onItem('merge: segments are checked in order (empty before proto)', {}, [{ type: 'merge', path: ['', '__proto__'], value: {} }], {}, [E(0, 'merge.path.empty_segment')]),
  onItem('merge: segments are checked in order (proto before empty)', {}, [{ type: 'merge', path: ['__proto__', ''], value: {} }], {}, [E(0, 'merge.path.proto_polluted')]),
  onItem('merge: segments are checked in order (too long before proto)', {}, [{ type: 'merge', path: [SEG_257, '__proto__'], value: {} }], {}, [
    E(0, 'merge.path.segment_too_long'),
  ]),
  onItem('merge: the segment count is checked first', {}, [{ type: 'merge', path: ['__proto__', ...segments(32)], value: {} }], {}, [E(0, 'merge.path.too_deep')]),
  onItem('merge: a non-string path segment -> op.invalid', {}, [{ type: 'merge', path: ['a', 1], value: { x: 1 } }], {}, [E(0, 'op.invalid')]),
  onItem('merge: a numeric path -> op.invalid', {}, [{ type: 'merge', path: 5, value: { x: 1 } }], {}, [E(0, 'op.invalid')]),
  onItem('merge: an object path -> op.invalid', {}, [{ type: 'merge', path: { a: 1 }, value: { x: 1 } }], {}, [E(0, 'op.invalid')]),
];

// ---- increment / decrement ----

const numericCases: UpdateOpCase[] = [
  onItem('increment: an existing number is adjusted', { count: 2 }, [{ type: 'increment', path: 'count', by: 3 }], { count: 5 }),
  onItem('decrement: an existing number is adjusted', { count: 5 }, [{ type: 'decrement', path: 'count', by: 3 }], { count: 2 }),
  onItem('increment: a missing key becomes by', { count: 2 }, [{ type: 'increment', path: 'missing', by: 3 }], { count: 2, missing: 3 }),
  onItem('decrement: a missing key becomes -by', { count: 2 }, [{ type: 'decrement', path: 'missing', by: 3 }], { count: 2, missing: -3 }),
  onMissing('increment: a key on a missing item becomes by', [{ type: 'increment', path: 'a', by: 2 }], { a: 2 }),
  onMissing('decrement: a key on a missing item becomes -by', [{ type: 'decrement', path: 'a', by: 2 }], { a: -2 }),
  onMissing('increment: "" on a missing item becomes by', [{ type: 'increment', path: '', by: 5 }], 5),
  onMissing('decrement: "" on a missing item becomes -by', [{ type: 'decrement', path: '', by: 5 }], -5),
  onItem('increment: "" adjusts a numeric root', 2, [{ type: 'increment', path: '', by: 3 }], 5),
  onItem('decrement: "" adjusts a numeric root', 5, [{ type: 'decrement', path: '', by: 3 }], 2),
  onItem('increment: "" on a stored {} -> increment.not_number', {}, [{ type: 'increment', path: '', by: 1 }], {}, [E(0, 'increment.not_number')]),
  onItem('decrement: "" on a stored null -> decrement.not_number', null, [{ type: 'decrement', path: '', by: 1 }], null, [E(0, 'decrement.not_number')]),
  onItem('increment: "" on a string root -> increment.not_number', 'x', [{ type: 'increment', path: '', by: 1 }], 'x', [E(0, 'increment.not_number')]),
  onItem('increment: "" on an array root -> increment.not_number', [1], [{ type: 'increment', path: '', by: 1 }], [1], [E(0, 'increment.not_number')]),
  onItem(
    'increment/decrement: null is not a number (not treated as missing)',
    { inc: null, dec: null },
    [
      { type: 'increment', path: 'inc', by: 1 },
      { type: 'decrement', path: 'dec', by: 1 },
    ],
    { inc: null, dec: null },
    [E(0, 'increment.not_number'), E(1, 'decrement.not_number')],
  ),
  onItem(
    'increment: not_number carries the failing op index',
    { a: 1, s: 'x' },
    [
      { type: 'increment', path: 'a', by: 1 },
      { type: 'set', path: 'b', value: true },
      { type: 'increment', path: 's', by: 1 },
      { type: 'increment', path: 'a', by: 1 },
    ],
    { a: 3, s: 'x', b: true },
    [E(2, 'increment.not_number')],
  ),
  onItem('increment: a string -> increment.not_number', { a: '1' }, [{ type: 'increment', path: 'a', by: 1 }], { a: '1' }, [E(0, 'increment.not_number')]),
  onItem('increment: a boolean -> increment.not_number', { a: true }, [{ type: 'increment', path: 'a', by: 1 }], { a: true }, [E(0, 'increment.not_number')]),
  onItem('increment: an object -> increment.not_number', { a: {} }, [{ type: 'increment', path: 'a', by: 1 }], { a: {} }, [E(0, 'increment.not_number')]),
  onItem('increment: an array -> increment.not_number', { a: [1] }, [{ type: 'increment', path: 'a', by: 1 }], { a: [1] }, [E(0, 'increment.not_number')]),
  onItem('decrement: a string -> decrement.not_number', { a: 'x' }, [{ type: 'decrement', path: 'a', by: 1 }], { a: 'x' }, [E(0, 'decrement.not_number')]),
  onItem(
    'increment/decrement: by 0 still checks the type',
    { bad: 'value', count: 2 },
    [
      { type: 'increment', path: 'bad', by: 0 },
      { type: 'decrement', path: 'count', by: 0 },
    ],
    { bad: 'value', count: 2 },
    [E(0, 'increment.not_number')],
  ),
  onItem('decrement: by 0 on a null root still checks the type', null, [{ type: 'decrement', path: '', by: 0 }], null, [E(0, 'decrement.not_number')]),
  onItem(
    'increment/decrement: by 0 on missing keys gives 0 (never -0)',
    {},
    [
      { type: 'increment', path: 'i', by: 0 },
      { type: 'decrement', path: 'd', by: 0 },
    ],
    { i: 0, d: 0 },
  ),
  onMissing('decrement: "" by 0 on a missing item gives 0 (never -0)', [{ type: 'decrement', path: '', by: 0 }], 0),
  onItem('decrement: 0 - 0 gives 0', { n: 0 }, [{ type: 'decrement', path: 'n', by: 0 }], { n: 0 }),
  onItem(
    'increment/decrement: floats are supported',
    { count: 1.5 },
    [
      { type: 'increment', path: 'count', by: 2 },
      { type: 'decrement', path: 'count', by: 1 },
    ],
    { count: 2.5 },
  ),
  onItem('increment: a float by', { x: 1 }, [{ type: 'increment', path: 'x', by: 0.5 }], { x: 1.5 }),
  onItem('decrement: a float result below zero', { x: 0.25 }, [{ type: 'decrement', path: 'x', by: 0.5 }], { x: -0.25 }),
  onItem('increment: a negative by subtracts', { x: 1 }, [{ type: 'increment', path: 'x', by: -3 }], { x: -2 }),
  onItem('decrement: a negative by adds', { x: 1 }, [{ type: 'decrement', path: 'x', by: -3 }], { x: 4 }),
  onItem(
    'increment/decrement: ops apply in order',
    { count: 10 },
    [
      { type: 'increment', path: 'count', by: 5 },
      { type: 'decrement', path: 'count', by: 3 },
    ],
    { count: 12 },
  ),
  onItem('increment: integers stay exact up to 2^53', { n: 9007199254740991 }, [{ type: 'increment', path: 'n', by: 1 }], { n: 9007199254740992 }),
  onItem('decrement: integers stay exact down to -2^53', { n: -9007199254740991 }, [{ type: 'decrement', path: 'n', by: 1 }], { n: -9007199254740992 }),
  onItem('increment: a non-finite result -> increment.not_number', { n: 1.7976931348623157e308 }, [{ type: 'increment', path: 'n', by: 1.7976931348623157e308 }], { n: 1.7976931348623157e308 }, [
    E(0, 'increment.not_number'),
  ]),
  onItem('decrement: a non-finite result -> decrement.not_number', -1.7976931348623157e308, [{ type: 'decrement', path: '', by: 1.7976931348623157e308 }], -1.7976931348623157e308, [
    E(0, 'decrement.not_number'),
  ]),
  onItem('increment: a key on a string root -> increment.target_not_object', 'leaf', [{ type: 'increment', path: 'a', by: 1 }], 'leaf', [E(0, 'increment.target_not_object')]),
  onItem('increment: a key on a null root -> increment.target_not_object', null, [{ type: 'increment', path: 'a', by: 1 }], null, [E(0, 'increment.target_not_object')]),
  onItem('decrement: a key on an array root -> decrement.target_not_object', [1], [{ type: 'decrement', path: 'a', by: 1 }], [1], [E(0, 'decrement.target_not_object')]),
  onItem('decrement: a key on a number root -> decrement.target_not_object', 3, [{ type: 'decrement', path: 'a', by: 1 }], 3, [E(0, 'decrement.target_not_object')]),
  onItem('increment: a dotted path is one literal key', { a: { b: 1 } }, [{ type: 'increment', path: 'a.b', by: 1 }], { a: { b: 1 }, 'a.b': 1 }),
  onItem(
    'increment/decrement: inherited names are missing keys',
    {},
    [
      { type: 'increment', path: 'toString', by: 1 },
      { type: 'decrement', path: 'valueOf', by: 2 },
      { type: 'increment', path: 'hasOwnProperty', by: 3 },
    ],
    { toString: 1, valueOf: -2, hasOwnProperty: 3 },
  ),
  onItem('increment: no by -> op.invalid', { a: 1 }, [{ type: 'increment', path: 'a' }], { a: 1 }, [E(0, 'op.invalid')]),
  onItem('increment: a string by -> op.invalid', { a: 1 }, [{ type: 'increment', path: 'a', by: '1' }], { a: 1 }, [E(0, 'op.invalid')]),
  onItem('decrement: a null by (e.g. NaN after JSON) -> op.invalid', { a: 1 }, [{ type: 'decrement', path: 'a', by: null }], { a: 1 }, [E(0, 'op.invalid')]),
  onItem('increment: no path -> op.invalid', { a: 1 }, [{ type: 'increment', by: 1 }], { a: 1 }, [E(0, 'op.invalid')]),
  onItem('decrement: an array path -> op.invalid', { a: 1 }, [{ type: 'decrement', path: ['a'], by: 1 }], { a: 1 }, [E(0, 'op.invalid')]),
  onItem('increment: a 256-byte key is accepted', {}, [{ type: 'increment', path: SEG_256, by: 1 }], { [SEG_256]: 1 }),
  onItem('increment: a 257-byte key -> increment.path.segment_too_long', {}, [{ type: 'increment', path: SEG_257, by: 1 }], {}, [E(0, 'increment.path.segment_too_long')]),
  onItem('decrement: a 257-byte key -> decrement.path.segment_too_long', {}, [{ type: 'decrement', path: SEG_257, by: 1 }], {}, [E(0, 'decrement.path.segment_too_long')]),
  ...PROTO_SEGMENTS.flatMap((p) =>
    (['increment', 'decrement'] as const).map((t) => onItem(`${t}: path "${p}" -> ${t}.path.proto_polluted`, { a: 1 }, [{ type: t, path: p, by: 1 }], { a: 1 }, [E(0, `${t}.path.proto_polluted`)])),
  ),
];

// ---- append ----

const appendCases: UpdateOpCase[] = [
  onItem('append: an array field gets one element', { events: [{ kind: 'start' }] }, [{ type: 'append', path: 'events', value: { kind: 'chunk' } }], {
    events: [{ kind: 'start' }, { kind: 'chunk' }],
  }),
  onItem('append: an array value is pushed as one nested element', { events: [] }, [{ type: 'append', path: 'events', value: ['nested', 'array'] }], { events: [['nested', 'array']] }),
  onItem('append: a string field concatenates a string', { transcript: 'hello' }, [{ type: 'append', path: 'transcript', value: ' world' }], { transcript: 'hello world' }),
  onItem(
    'append: a missing field is initialised by value kind',
    { k: 0 },
    [
      { type: 'append', path: 'transcript', value: 'hello' },
      { type: 'append', path: 'events', value: { kind: 'chunk' } },
      { type: 'append', path: 'n', value: 5 },
      { type: 'append', path: 'z', value: null },
      { type: 'append', path: 'arr', value: [1] },
      { type: 'append', path: 'empty', value: '' },
    ],
    { k: 0, transcript: 'hello', events: [{ kind: 'chunk' }], n: [5], z: [null], arr: [[1]], empty: '' },
  ),
  onItem(
    'append: a null field is initialised by value kind',
    { string: null, array: null },
    [
      { type: 'append', path: 'string', value: 'chunk' },
      { type: 'append', path: 'array', value: { kind: 'chunk' } },
    ],
    { string: 'chunk', array: [{ kind: 'chunk' }] },
  ),
  onItem(
    'append: a string field with a non-string value -> append.type_mismatch',
    { t: 'hello' },
    [
      { type: 'append', path: 't', value: { not: 'string' } },
      { type: 'append', path: 't', value: 1 },
      { type: 'append', path: 't', value: null },
      { type: 'append', path: 't', value: ['x'] },
    ],
    { t: 'hello' },
    [E(0, 'append.type_mismatch'), E(1, 'append.type_mismatch'), E(2, 'append.type_mismatch'), E(3, 'append.type_mismatch')],
  ),
  onItem('append: an object field -> append.type_mismatch', { events: {} }, [{ type: 'append', path: 'events', value: 'chunk' }], { events: {} }, [E(0, 'append.type_mismatch')]),
  onItem('append: a number field -> append.type_mismatch', { n: 1 }, [{ type: 'append', path: 'n', value: 2 }], { n: 1 }, [E(0, 'append.type_mismatch')]),
  onItem('append: a boolean field -> append.type_mismatch', { b: false }, [{ type: 'append', path: 'b', value: 'x' }], { b: false }, [E(0, 'append.type_mismatch')]),
  onItem(
    'append: ops apply in order',
    { events: [] },
    [
      { type: 'append', path: 'events', value: 'first' },
      { type: 'append', path: 'events', value: 'second' },
    ],
    { events: ['first', 'second'] },
  ),
  // Root.
  onMissing('append: "" on a missing item with a string gives that string', [{ type: 'append', path: '', value: 'hello' }], 'hello'),
  onMissing('append: "" on a missing item with an object gives [value]', [{ type: 'append', path: '', value: { kind: 'chunk' } }], [{ kind: 'chunk' }]),
  onMissing('append: no path on a missing item is the root', [{ type: 'append', value: 1 }], [1]),
  onMissing('append: [] on a missing item is the root', [{ type: 'append', path: [], value: [1] }], [[1]]),
  onMissing('append: null path on a missing item is the root', [{ type: 'append', path: null, value: null }], [null]),
  onItem('append: root on an empty array pushes', [], [{ type: 'append', path: '', value: 1 }], [1]),
  onItem('append: root array pushes an array as one element', [1], [{ type: 'append', value: [2, 3] }], [1, [2, 3]]),
  onItem('append: root string concatenates', 'ab', [{ type: 'append', path: [], value: 'c' }], 'abc'),
  onItem('append: root null with a string gives that string', null, [{ type: 'append', path: '', value: 'x' }], 'x'),
  onItem('append: root null with a number gives [value]', null, [{ type: 'append', path: '', value: 5 }], [5]),
  onItem('append: root on a stored {} -> append.type_mismatch', {}, [{ type: 'append', path: '', value: 1 }], {}, [E(0, 'append.type_mismatch')]),
  onItem('append: root on a number -> append.type_mismatch', 3, [{ type: 'append', value: 1 }], 3, [E(0, 'append.type_mismatch')]),
  onItem('append: root string with a number -> append.type_mismatch', 'ab', [{ type: 'append', value: 1 }], 'ab', [E(0, 'append.type_mismatch')]),
  // Keys need an object root.
  onItem('append: a key on a string root -> append.target_not_object', 'leaf', [{ type: 'append', path: 'a', value: 'x' }], 'leaf', [E(0, 'append.target_not_object')]),
  onItem('append: a key on a null root -> append.target_not_object', null, [{ type: 'append', path: 'a', value: 'x' }], null, [E(0, 'append.target_not_object')]),
  onItem('append: a key on a number root -> append.target_not_object', 1, [{ type: 'append', path: ['a'], value: 'x' }], 1, [E(0, 'append.target_not_object')]),
  onItem('append: a nested path on an array root -> append.target_not_object (root kept)', [1, 2, 3], [{ type: 'append', path: ['a', 'b'], value: 'x' }], [1, 2, 3], [
    E(0, 'append.target_not_object'),
  ]),
  onMissing('append: a key on a missing item (string)', [{ type: 'append', path: 'a', value: 'x' }], { a: 'x' }),
  onMissing('append: a key on a missing item (number)', [{ type: 'append', path: 'a', value: 1 }], { a: [1] }),
  // Nested paths.
  onItem('append: a nested path pushes to an existing array', { entityId: { buffer: ['a'] } }, [{ type: 'append', path: ['entityId', 'buffer'], value: 'b' }], {
    entityId: { buffer: ['a', 'b'] },
  }),
  onItem('append: a nested path creates intermediates', { k: 1 }, [{ type: 'append', path: ['entityId', 'buffer'], value: 'a' }], { k: 1, entityId: { buffer: ['a'] } }),
  onItem('append: a missing nested leaf is always an array, even for a string', { entityId: {} }, [{ type: 'append', path: ['entityId', 'buffer'], value: 'x' }], {
    entityId: { buffer: ['x'] },
  }),
  onItem('append: a one-segment array path behaves like a string key', {}, [{ type: 'append', path: ['buffer'], value: 'x' }], { buffer: 'x' }),
  onItem('append: a nested string leaf concatenates', { a: { s: 'x' } }, [{ type: 'append', path: ['a', 's'], value: 'y' }], { a: { s: 'xy' } }),
  onItem('append: a nested null leaf is initialised by value kind', { a: { s: null, o: null } }, [
    { type: 'append', path: ['a', 's'], value: 'y' },
    { type: 'append', path: ['a', 'o'], value: 1 },
  ], { a: { s: 'y', o: [1] } }),
  onItem('append: a nested object leaf -> append.type_mismatch (unchanged)', { entityId: { buffer: { x: 'y' } } }, [{ type: 'append', path: ['entityId', 'buffer'], value: 'z' }], {
    entityId: { buffer: { x: 'y' } },
  }, [E(0, 'append.type_mismatch')]),
  onItem('append: a nested string leaf with a number -> append.type_mismatch', { a: { s: 'x' } }, [{ type: 'append', path: ['a', 's'], value: 1 }], { a: { s: 'x' } }, [
    E(0, 'append.type_mismatch'),
  ]),
  onItem(
    'append: nested paths replace array, null and scalar intermediates',
    { a: [1], b: null, c: 5 },
    [
      { type: 'append', path: ['a', 'x'], value: 1 },
      { type: 'append', path: ['b', 'x'], value: 2 },
      { type: 'append', path: ['c', 'x', 'y'], value: 3 },
    ],
    { a: { x: [1] }, b: { x: [2] }, c: { x: { y: [3] } } },
  ),
  onMissing('append: a nested path on a missing item', [{ type: 'append', path: ['a', 'b'], value: 1 }], { a: { b: [1] } }),
  onItem('append: a dotted string path is one literal key', { 'user.name': ['A'], user: { name: ['B'] } }, [{ type: 'append', path: 'user.name', value: 'C' }], {
    'user.name': ['A', 'C'],
    user: { name: ['B'] },
  }),
  onItem('append: a dotted string path never walks into nested objects', { entityId: { buffer: ['nested'] } }, [{ type: 'append', path: 'entityId.buffer', value: 'flat' }], {
    entityId: { buffer: ['nested'] },
    'entityId.buffer': 'flat',
  }),
  onItem('append: a dotted array segment is one literal key', { a: { b: [] } }, [{ type: 'append', path: ['a.b'], value: 1 }], { a: { b: [] }, 'a.b': [1] }),
  onItem('append: inherited names are missing keys', {}, [
    { type: 'append', path: 'toString', value: 'x' },
    { type: 'append', path: ['valueOf', 'x'], value: 1 },
  ], { toString: 'x', valueOf: { x: [1] } }),
  onItem('append: a value with an own "__proto__" key is stored as data', {}, [{ type: 'append', path: 'a', value: json(POISON) }], json(`{"a":[${POISON}]}`)),
  // Paths.
  ...PROTO_SEGMENTS.map((p) => onItem(`append: path "${p}" -> append.path.proto_polluted`, {}, [{ type: 'append', path: p, value: 'x' }], {}, [E(0, 'append.path.proto_polluted')])),
  onItem('append: ["__proto__"] -> append.path.proto_polluted', {}, [{ type: 'append', path: ['__proto__'], value: 'x' }], {}, [E(0, 'append.path.proto_polluted')]),
  onItem('append: a "constructor" intermediate is rejected before anything is created', {}, [{ type: 'append', path: ['a', 'constructor', 'b'], value: 'x' }], {}, [
    E(0, 'append.path.proto_polluted'),
  ]),
  onItem('append: a "prototype" leaf is rejected', { safe: {} }, [{ type: 'append', path: ['safe', 'prototype'], value: 'x' }], { safe: {} }, [E(0, 'append.path.proto_polluted')]),
  onItem(
    'append: a rejected path between good appends keeps its index',
    { buffer: [] },
    [
      { type: 'append', path: 'buffer', value: 'first' },
      { type: 'append', path: ['__proto__', 'polluted'], value: true },
      { type: 'append', path: 'buffer', value: 'third' },
    ],
    { buffer: ['first', 'third'] },
    [E(1, 'append.path.proto_polluted')],
  ),
  onItem('append: a 32-segment path is accepted', {}, [{ type: 'append', path: segments(32), value: 1 }], nestAlong(segments(32), [1])),
  onItem('append: a 33-segment path -> append.path.too_deep', {}, [{ type: 'append', path: segments(33), value: 1 }], {}, [E(0, 'append.path.too_deep')]),
  onItem('append: [""] -> append.path.empty_segment', {}, [{ type: 'append', path: [''], value: 1 }], {}, [E(0, 'append.path.empty_segment')]),
  onItem('append: ["a", ""] -> append.path.empty_segment', {}, [{ type: 'append', path: ['a', ''], value: 1 }], {}, [E(0, 'append.path.empty_segment')]),
  onItem('append: a 256-byte key is accepted', {}, [{ type: 'append', path: SEG_256, value: 1 }], { [SEG_256]: [1] }),
  onItem('append: a 257-byte key -> append.path.segment_too_long', {}, [{ type: 'append', path: SEG_257, value: 1 }], {}, [E(0, 'append.path.segment_too_long')]),
  onItem('append: no value -> op.invalid', { a: [] }, [{ type: 'append', path: 'a' }], { a: [] }, [E(0, 'op.invalid')]),
  onItem('append: a numeric path -> op.invalid', { a: [] }, [{ type: 'append', path: 0, value: 1 }], { a: [] }, [E(0, 'op.invalid')]),
];

// ---- remove ----

const removeCases: UpdateOpCase[] = [
  onItem('remove: a key is deleted and the others keep their order', { a: 1, b: 2, c: 3 }, [{ type: 'remove', path: 'b' }], { a: 1, c: 3 }),
  onItem('remove: a missing key is a silent no-op', { a: 1 }, [{ type: 'remove', path: 'zzz' }], { a: 1 }),
  onItem('remove: "" sets the value to null', { '': 'empty-field', keep: true }, [{ type: 'remove', path: '' }], null),
  onItem('remove: "" on a scalar root sets null', 5, [{ type: 'remove', path: '' }], null),
  onMissing('remove: "" on a missing item gives null', [{ type: 'remove', path: '' }], null),
  onMissing('remove: a key on a missing item gives {}', [{ type: 'remove', path: 'a' }], {}),
  onItem(
    'remove: a removed key set again moves to the end',
    { a: 1, b: 2 },
    [
      { type: 'remove', path: 'a' },
      { type: 'set', path: 'a', value: 3 },
    ],
    { b: 2, a: 3 },
  ),
  onItem('remove: a key on a string root -> remove.target_not_object', 'leaf', [{ type: 'remove', path: 'a' }], 'leaf', [E(0, 'remove.target_not_object')]),
  onItem('remove: a key on an array root -> remove.target_not_object', [1], [{ type: 'remove', path: 'a' }], [1], [E(0, 'remove.target_not_object')]),
  onItem('remove: a key on a null root -> remove.target_not_object', null, [{ type: 'remove', path: 'a' }], null, [E(0, 'remove.target_not_object')]),
  onItem('remove: a key on a number root -> remove.target_not_object', 3, [{ type: 'remove', path: 'a' }], 3, [E(0, 'remove.target_not_object')]),
  onItem('remove: a dotted path is one literal key', { a: { b: 1 }, 'a.b': 2 }, [{ type: 'remove', path: 'a.b' }], { a: { b: 1 } }),
  onItem('remove: an inherited name that is not stored is a no-op', {}, [{ type: 'remove', path: 'toString' }], {}),
  onItem('remove: an inherited name that is stored is deleted', { toString: 1, k: 2 }, [{ type: 'remove', path: 'toString' }], { k: 2 }),
  onItem('remove: a 256-byte key is accepted', { [SEG_256]: 1, k: 2 }, [{ type: 'remove', path: SEG_256 }], { k: 2 }),
  onItem('remove: a 257-byte key -> remove.path.segment_too_long', { k: 2 }, [{ type: 'remove', path: SEG_257 }], { k: 2 }, [E(0, 'remove.path.segment_too_long')]),
  ...PROTO_SEGMENTS.map((p) => onItem(`remove: path "${p}" -> remove.path.proto_polluted`, { a: 1 }, [{ type: 'remove', path: p }], { a: 1 }, [E(0, 'remove.path.proto_polluted')])),
  onItem('remove: a stored own "__proto__" key cannot be removed by path', json('{"__proto__":1,"a":2}'), [{ type: 'remove', path: '__proto__' }], json('{"__proto__":1,"a":2}'), [
    E(0, 'remove.path.proto_polluted'),
  ]),
  onItem('remove: an array path -> op.invalid', { a: 1 }, [{ type: 'remove', path: ['a'] }], { a: 1 }, [E(0, 'op.invalid')]),
  onItem('remove: no path -> op.invalid', { a: 1 }, [{ type: 'remove' }], { a: 1 }, [E(0, 'op.invalid')]),
];

// ---- several ops, malformed ops, the missing-item rule ----

const generalCases: UpdateOpCase[] = [
  onItem('ops: an empty list leaves the value unchanged', { a: 1 }, [], { a: 1 }),
  onMissing('ops: an empty list on a missing item gives {}', [], {}),
  { name: 'ops: current is ignored when the item is missing', current: { a: 1 }, exists: false, ops: [], expected: { value: {}, errors: [] } },
  {
    name: 'ops: a missing item ignores current for root numeric ops',
    current: 10,
    exists: false,
    ops: [{ type: 'increment', path: '', by: 1 }],
    expected: { value: 1, errors: [] },
  },
  onItem(
    'ops: malformed ops -> op.invalid, later ops still apply',
    { a: 1 },
    [null, 42, 'set', [], {}, { type: 'unknown' }, { type: 5 }, { type: 'SET', path: 'a', value: 2 }, true, { type: 'set', path: 'ok', value: true }],
    { a: 1, ok: true },
    [0, 1, 2, 3, 4, 5, 6, 7, 8].map((i) => E(i, 'op.invalid')),
  ),
  onItem('ops: unknown extra fields are ignored', {}, [{ type: 'set', path: 'a', value: 1, extra: true, by: 'x' }], { a: 1 }),
  onItem(
    'ops: failing ops are skipped, keep their indexes, and later ops apply',
    { bad: 'value', events: {} },
    [
      { type: 'increment', path: 'bad', by: 1 },
      { type: 'set', path: '__proto__', value: true },
      { type: 'append', path: 'events', value: 'chunk' },
      { type: 'set', path: 'ok', value: true },
    ],
    { bad: 'value', events: {}, ok: true },
    [E(0, 'increment.not_number'), E(1, 'set.path.proto_polluted'), E(2, 'append.type_mismatch')],
  ),
  onItem(
    'ops: when every op fails the value is unchanged',
    { a: 'x' },
    [
      { type: 'increment', path: 'a', by: 1 },
      { type: 'merge', path: 'b', value: 'str' },
      { type: 'remove', path: '__proto__' },
      { type: 'append', path: 'a', value: 1 },
    ],
    { a: 'x' },
    [E(0, 'increment.not_number'), E(1, 'merge.value.not_an_object'), E(2, 'remove.path.proto_polluted'), E(3, 'append.type_mismatch')],
  ),
  onMissing(
    'ops: when every op fails on a missing item the value is {}',
    [
      { type: 'set', path: '__proto__', value: 1 },
      { type: 'merge', value: 5 },
    ],
    {},
    [E(0, 'set.path.proto_polluted'), E(1, 'merge.value.not_an_object')],
  ),
  onItem(
    'ops: prototype-pollution paths are rejected for every op',
    {},
    [
      { type: 'set', path: '__proto__', value: { polluted: true } },
      { type: 'merge', path: ['__proto__'], value: { polluted: true } },
      { type: 'increment', path: 'constructor', by: 1 },
      { type: 'decrement', path: 'prototype', by: 1 },
      { type: 'append', path: '__proto__', value: 'x' },
      { type: 'remove', path: 'constructor' },
    ],
    {},
    [
      E(0, 'set.path.proto_polluted'),
      E(1, 'merge.path.proto_polluted'),
      E(2, 'increment.path.proto_polluted'),
      E(3, 'decrement.path.proto_polluted'),
      E(4, 'append.path.proto_polluted'),
      E(5, 'remove.path.proto_polluted'),
    ],
  ),
  onItem(
    'ops: ops run in order on one working value',
    {},
    [
      { type: 'set', path: 'a', value: 1 },
      { type: 'increment', path: 'a', by: 2 },
      { type: 'merge', path: 'm', value: { x: 1 } },
      { type: 'append', path: ['m', 'list'], value: 'v' },
      { type: 'remove', path: 'a' },
      { type: 'set', path: 'b', value: 'z' },
      { type: 'append', path: 'b', value: '!' },
    ],
    { m: { x: 1, list: ['v'] }, b: 'z!' },
  ),
  // A missing item counts as missing for root numeric/append ops only until an op succeeds.
  onMissing(
    'missing item: after a successful op, "" increment sees the working object',
    [
      { type: 'increment', path: 'a', by: 1 },
      { type: 'increment', path: '', by: 1 },
    ],
    { a: 1 },
    [E(1, 'increment.not_number')],
  ),
  onMissing(
    'missing item: an empty root merge still counts as a successful op',
    [
      { type: 'merge', value: {} },
      { type: 'decrement', path: '', by: 1 },
    ],
    {},
    [E(1, 'decrement.not_number')],
  ),
  onMissing(
    'missing item: removing an absent key still counts as a successful op',
    [
      { type: 'remove', path: 'x' },
      { type: 'append', path: '', value: 'a' },
    ],
    {},
    [E(1, 'append.type_mismatch')],
  ),
  onMissing(
    'missing item: failed ops do not end missingness',
    [
      { type: 'set', path: '__proto__', value: 1 },
      { type: 'merge', value: 'x' },
      { type: 'increment', path: '', by: 2 },
    ],
    2,
    [E(0, 'set.path.proto_polluted'), E(1, 'merge.value.not_an_object')],
  ),
  onMissing(
    'missing item: a root append then appends to its own result',
    [
      { type: 'append', path: '', value: 'a' },
      { type: 'append', path: '', value: 'b' },
      { type: 'append', path: [], value: 1 },
    ],
    'ab',
    [E(2, 'append.type_mismatch')],
  ),
];

export const UPDATE_OP_CASES: UpdateOpCase[] = [
  ...setCases,
  ...mergeRootCases,
  ...mergeNestedCases,
  ...mergeValueCases,
  ...mergePathCases,
  ...numericCases,
  ...appendCases,
  ...removeCases,
  ...generalCases,
];
