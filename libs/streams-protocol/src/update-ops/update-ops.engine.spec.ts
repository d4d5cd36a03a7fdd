import { UPDATE_OP_CASES, type UpdateOpCase } from '../../../../test/shared/update-ops.cases';
import { applyUpdateOps } from './update-ops.engine';
import { UPDATE_OP_TYPES } from './update-ops.types';

/** Every code the engine may emit; each must be exercised by the shared table. */
const ALL_CODES = [
  'op.invalid',
  'set.target_not_object',
  'increment.not_number',
  'decrement.not_number',
  'increment.target_not_object',
  'decrement.target_not_object',
  'append.type_mismatch',
  'append.target_not_object',
  'remove.target_not_object',
  'merge.value.not_an_object',
  'merge.value.too_many_keys',
  'merge.value.proto_polluted',
  'merge.value.too_deep',
  ...UPDATE_OP_TYPES.flatMap((t) => ['proto_polluted', 'segment_too_long'].map((r) => `${t}.path.${r}`)),
  ...['merge', 'append'].flatMap((t) => ['too_deep', 'empty_segment'].map((r) => `${t}.path.${r}`)),
];

function run(c: UpdateOpCase) {
  return applyUpdateOps(c.current, c.exists, c.ops);
}

describe('applyUpdateOps: shared table', () => {
  it.each(UPDATE_OP_CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const { value, errors } = run(c);
    expect(value).toEqual(c.expected.value);
    // Byte-identical JSON, so key order counts too (the Redis implementation is held to the same text).
    expect(JSON.stringify(value)).toBe(JSON.stringify(c.expected.value));
    expect(errors.map(({ op_index, code, doc_url }) => ({ op_index, code, doc_url }))).toEqual(c.expected.errors);
    for (const error of errors) {
      expect(typeof error.message).toBe('string');
      expect(error.message.length).toBeGreaterThan(0);
    }
  });

  it('is pure JSON data and gives the same results after a JSON round trip', () => {
    const roundTripped = JSON.parse(JSON.stringify(UPDATE_OP_CASES)) as UpdateOpCase[];
    expect(roundTripped).toEqual(UPDATE_OP_CASES);
    for (const c of roundTripped) {
      const { value, errors } = run(c);
      expect({ name: c.name, value: JSON.stringify(value) }).toEqual({ name: c.name, value: JSON.stringify(c.expected.value) });
      expect(errors.map(({ op_index, code, doc_url }) => ({ op_index, code, doc_url }))).toEqual(c.expected.errors);
    }
  });

  it('has unique case names', () => {
    const names = UPDATE_OP_CASES.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('exercises every error code', () => {
    const seen = new Set(UPDATE_OP_CASES.flatMap((c) => c.expected.errors.map((e) => e.code)));
    expect(ALL_CODES.filter((code) => !seen.has(code))).toEqual([]);
    expect([...seen].filter((code) => !ALL_CODES.includes(code))).toEqual([]);
  });
});

describe('applyUpdateOps: inputs', () => {
  it('never mutates current or the ops', () => {
    const current = { events: ['a'], nested: { n: 1, list: [1] }, s: 'x' };
    const ops = [
      { type: 'append', path: 'events', value: 'b' },
      { type: 'merge', path: 'nested', value: { m: { deep: [1] } } },
      { type: 'append', path: ['nested', 'list'], value: 2 },
      { type: 'increment', path: 'n', by: 1 },
      { type: 'set', path: 'copy', value: { list: [1] } },
      { type: 'append', path: ['copy', 'list'], value: 2 },
      { type: 'append', path: ['nested', 'm', 'deep'], value: 2 },
      { type: 'remove', path: 's' },
    ];
    const before = JSON.stringify({ current, ops });
    const { value } = applyUpdateOps(current, true, ops);
    expect(JSON.stringify({ current, ops })).toBe(before);
    expect(value).toEqual({
      events: ['a', 'b'],
      nested: { n: 1, list: [1, 2], m: { deep: [1, 2] } },
      n: 1,
      copy: { list: [1, 2] },
    });
    expect(value).not.toBe(current);
  });

  it('does not share structure between the result and the inputs', () => {
    const value = { list: [1] };
    const current = { keep: { x: 1 } };
    const out = applyUpdateOps(current, true, [{ type: 'set', path: 'v', value }]).value as Record<string, { list?: number[] }>;
    out.v.list?.push(2);
    (out.keep as Record<string, unknown>).y = 2;
    expect(value).toEqual({ list: [1] });
    expect(current).toEqual({ keep: { x: 1 } });
  });

  it('treats a non-array ops argument as no ops', () => {
    expect(applyUpdateOps({ a: 1 }, true, 'nope' as unknown as unknown[])).toEqual({ value: { a: 1 }, errors: [] });
    expect(applyUpdateOps(null, false, undefined as unknown as unknown[])).toEqual({ value: {}, errors: [] });
  });

  it('reports unserialisable ops as op.invalid and keeps going', () => {
    const cyclic: Record<string, unknown> = { type: 'set', path: 'a' };
    cyclic.value = cyclic;
    const throwing = {
      get type(): string {
        throw new Error('boom');
      },
    };
    const { value, errors } = applyUpdateOps({}, true, [cyclic, throwing, { type: 'set', path: 'b', value: BigInt(1) }, () => 1, { type: 'set', path: 'ok', value: 1 }]);
    expect(value).toEqual({ ok: 1 });
    expect(errors.map((e) => [e.op_index, e.code])).toEqual([
      [0, 'op.invalid'],
      [1, 'op.invalid'],
      [2, 'op.invalid'],
      [3, 'op.invalid'],
    ]);
  });

  it('reads values as JSON: NaN becomes null, undefined members vanish', () => {
    const { value, errors } = applyUpdateOps({ a: undefined, b: 1 }, true, [
      { type: 'set', path: 'n', value: NaN },
      { type: 'set', path: 'u', value: { x: undefined, y: 1 } },
      { type: 'increment', path: 'b', by: Infinity },
    ]);
    expect(JSON.stringify(value)).toBe('{"b":1,"n":null,"u":{"y":1}}');
    expect(errors.map((e) => [e.op_index, e.code])).toEqual([[2, 'op.invalid']]);
  });

  it('treats an unserialisable stored value as null', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(applyUpdateOps(cyclic, true, [{ type: 'append', path: '', value: 'x' }])).toEqual({ value: 'x', errors: [] });
  });

  it('names the path in messages', () => {
    const { errors } = applyUpdateOps({ count: 'x' }, true, [
      { type: 'increment', path: 'count', by: 1 },
      { type: 'merge', path: ['a', '__proto__'], value: {} },
      { type: 'set', path: '', value: 1 },
      { type: 'set', path: 'k', value: 1 },
    ]);
    expect(errors[0].message).toContain('"count"');
    expect(errors[1].message).toContain('__proto__');
    expect(errors[2].message).toContain('"k"');
  });

  it('leaves prototypes alone for hostile input', () => {
    const poison = JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}') as unknown;
    applyUpdateOps(poison, true, [
      { type: 'merge', path: 'a', value: JSON.parse('{"b":{"__proto__":{"polluted":true}}}') },
      { type: 'set', path: 'x', value: poison },
      { type: 'append', path: ['x', '__proto__'], value: 1 },
      { type: 'merge', value: poison },
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });
});
