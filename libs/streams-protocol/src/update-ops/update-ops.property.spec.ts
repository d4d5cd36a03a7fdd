import fc from 'fast-check';
import { applyUpdateOps } from './update-ops.engine';
import { UPDATE_OP_TYPES, type UpdateOpsOutcome } from './update-ops.types';

const NUM_RUNS = 300;

// ---- generators ----

const POISONED: unknown[] = [
  JSON.parse('{"__proto__":{"polluted":true}}'),
  JSON.parse('{"constructor":{"prototype":{"polluted":true}}}'),
  JSON.parse('{"a":{"__proto__":{"polluted":true}},"prototype":{"polluted":true}}'),
  JSON.parse('[{"__proto__":{"polluted":true}}]'),
];

const segment = fc.constantFrom('', 'a', 'b', 'a.b', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'x'.repeat(257), 'é'.repeat(129));
const keyPath = segment;
const nestedPath = fc.oneof(segment, fc.array(segment, { maxLength: 5 }), fc.constant(null), fc.constant(undefined));

/** JSON values plus hand-made ones carrying own `__proto__`/`constructor` keys. */
const jsonish = fc.oneof({ weight: 4, arbitrary: fc.jsonValue({ maxDepth: 4 }) }, { weight: 1, arbitrary: fc.constantFrom(...POISONED) });
const mergeValue = fc.oneof(fc.dictionary(segment, jsonish, { maxKeys: 4 }), jsonish);
const by = fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(0));

/** Well-formed-looking ops with random paths drawn from a hostile pool; some fields dropped on purpose. */
const randomOp = fc.oneof(
  fc.record({ type: fc.constant('set'), path: keyPath, value: jsonish }, { requiredKeys: ['type', 'path'] }),
  fc.record({ type: fc.constant('merge'), path: nestedPath, value: mergeValue }, { requiredKeys: ['type', 'value'] }),
  fc.record({ type: fc.constantFrom('increment', 'decrement'), path: keyPath, by }, { requiredKeys: ['type', 'path', 'by'] }),
  fc.record({ type: fc.constant('append'), path: nestedPath, value: jsonish }, { requiredKeys: ['type', 'value'] }),
  fc.record({ type: fc.constant('remove'), path: keyPath }),
);

const anyOp = fc.oneof(randomOp, fc.anything({ withNullPrototype: true, withObjectString: true, withBoxedValues: true, withSparseArray: true }));
const current = fc.oneof({ weight: 4, arbitrary: fc.jsonValue({ maxDepth: 4 }) }, { weight: 1, arbitrary: fc.constantFrom(...POISONED) });

// ---- checks ----

const objectKeys = Reflect.ownKeys(Object.prototype);
const arrayKeys = Reflect.ownKeys(Array.prototype);

function expectPrototypesClean(): void {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(([] as unknown as Record<string, unknown>).polluted).toBeUndefined();
  expect(Reflect.ownKeys(Object.prototype)).toEqual(objectKeys);
  expect(Reflect.ownKeys(Array.prototype)).toEqual(arrayKeys);
  expect(Object.getPrototypeOf({})).toBe(Object.prototype);
}

function typeOf(op: unknown): unknown {
  try {
    return typeof op === 'object' && op !== null ? (op as { type?: unknown }).type : undefined;
  } catch {
    return undefined;
  }
}

/** Errors are in op order, at most one per op, and each code belongs to its op's type (or is `op.*`). */
function expectWellFormedErrors(outcome: UpdateOpsOutcome, ops: readonly unknown[]): void {
  let last = -1;
  for (const error of outcome.errors) {
    expect(Number.isInteger(error.op_index)).toBe(true);
    expect(error.op_index).toBeGreaterThan(last);
    expect(error.op_index).toBeLessThan(ops.length);
    last = error.op_index;
    const type = typeOf(ops[error.op_index]);
    const ownType = typeof type === 'string' && (UPDATE_OP_TYPES as readonly string[]).includes(type) && error.code.startsWith(`${type}.`);
    expect(ownType || error.code.startsWith('op.')).toBe(true);
    expect(error.message.length).toBeGreaterThan(0);
  }
}

function applySafely(cur: unknown, exists: boolean, ops: readonly unknown[]): UpdateOpsOutcome {
  let outcome: UpdateOpsOutcome | undefined;
  expect(() => {
    outcome = applyUpdateOps(cur, exists, ops);
  }).not.toThrow();
  return outcome as UpdateOpsOutcome;
}

describe('applyUpdateOps: properties', () => {
  afterEach(expectPrototypesClean);

  it('never throws for arbitrary ops and stored values', () => {
    fc.assert(
      fc.property(fc.anything(), fc.boolean(), fc.array(anyOp, { maxLength: 8 }), (cur, exists, ops) => {
        const outcome = applySafely(cur, exists, ops);
        // The result is always plain JSON.
        expect(() => JSON.stringify(outcome.value)).not.toThrow();
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('never throws for garbage in place of the ops array', () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), (cur, ops) => {
        applySafely(cur, true, ops as unknown[]);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('never pollutes a prototype', () => {
    fc.assert(
      fc.property(current, fc.boolean(), fc.array(randomOp, { maxLength: 10 }), (cur, exists, ops) => {
        applySafely(cur, exists, ops);
        expectPrototypesClean();
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('never mutates its inputs', () => {
    fc.assert(
      fc.property(current, fc.boolean(), fc.array(randomOp, { maxLength: 8 }), (cur, exists, ops) => {
        const before = JSON.stringify([cur, ops]);
        applySafely(cur, exists, ops);
        expect(JSON.stringify([cur, ops])).toBe(before);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('a failing op never stops the ops after it', () => {
    const good = [
      { type: 'set', path: '', value: { ok: 1 } },
      { type: 'increment', path: 'ok', by: 2 },
      { type: 'append', path: ['list', 'items'], value: 'x' },
    ];
    fc.assert(
      fc.property(current, fc.boolean(), fc.array(anyOp, { maxLength: 10 }), (cur, exists, ops) => {
        const all = [...ops, ...good];
        const outcome = applySafely(cur, exists, all);
        expect(outcome.value).toEqual({ ok: 3, list: { items: ['x'] } });
        for (const error of outcome.errors) expect(error.op_index).toBeLessThan(ops.length);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('reports errors in op order, one per op, with codes of the op type or op.*', () => {
    fc.assert(
      fc.property(current, fc.boolean(), fc.array(anyOp, { maxLength: 10 }), (cur, exists, ops) => {
        expectWellFormedErrors(applySafely(cur, exists, ops), ops);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('is deterministic', () => {
    fc.assert(
      fc.property(current, fc.boolean(), fc.array(randomOp, { maxLength: 8 }), (cur, exists, ops) => {
        expect(JSON.stringify(applyUpdateOps(cur, exists, ops))).toBe(JSON.stringify(applyUpdateOps(cur, exists, ops)));
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
