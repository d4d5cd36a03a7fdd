import fc from 'fast-check';
import { callFingerprint, canonicalJson } from './idempotency.fingerprint';

describe('callFingerprint (SPEC §8: what a retry must repeat)', () => {
  it('is the same for the same call, whatever the key order of its objects', () => {
    expect(callFingerprint('set', 'i', { a: 1, b: { c: [1, { d: 2, e: 3 }] } }, undefined)).toBe(callFingerprint('set', 'i', { b: { c: [1, { e: 3, d: 2 }] }, a: 1 }, undefined));
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const reordered = JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v))) as unknown;
        return callFingerprint('set', 'i', value) === callFingerprint('set', 'i', reordered);
      }),
    );
  });

  it('differs when the operation, item, data, ops, event or condition differs', () => {
    const prints = [
      callFingerprint('set', 'i', { n: 1 }, undefined),
      callFingerprint('set', 'j', { n: 1 }, undefined),
      callFingerprint('set', 'i', { n: 2 }, undefined),
      callFingerprint('set', 'i', { n: 1 }, { if_absent: true }),
      callFingerprint('set', 'i', { n: 1 }, { if_version: 'e:1' }),
      callFingerprint('set', 'i', { n: 1 }, { if_version: 'e:2' }),
      callFingerprint('update', 'i', [{ type: 'set', path: '', value: { n: 1 } }], undefined),
      callFingerprint('update', 'i', [{ type: 'increment', path: 'n', by: 1 }], undefined),
      callFingerprint('delete', 'i', undefined),
      callFingerprint('send', 'i', 'tick', { n: 1 }),
      callFingerprint('send', null, 'tick', { n: 1 }),
      callFingerprint('send', 'i', 'tock', { n: 1 }),
    ];
    expect(new Set(prints).size).toBe(prints.length);
    // Item ids and values cannot run into each other: the parts are one JSON array.
    expect(callFingerprint('send', 'a', 'b,c', null)).not.toBe(callFingerprint('send', 'a,b', 'c', null));
  });

  it('canonicalJson: sorted keys, and a part JSON cannot carry (a BigInt, a cycle) reads as null, as the update engine reads it', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }] })).toBe('{"a":[{"c":2,"d":1}],"b":1}');
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(canonicalJson(cycle)).toBe('null');
    expect(canonicalJson(10n)).toBe('null');
    expect(canonicalJson({ a: undefined, b: [undefined, () => 1], c: new Date(0), d: { toJSON: () => ({ z: 1, y: 2 }) } })).toBe(
      '{"b":[null,null],"c":"1970-01-01T00:00:00.000Z","d":{"y":2,"z":1}}',
    );
  });

  it('canonicalJson gives what JSON.stringify gives with a replacer that sorts every object\'s keys', () => {
    const sorting = (_key: string, v: unknown): unknown =>
      typeof v !== 'object' || v === null || Array.isArray(v) ? v : Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]));
    fc.assert(fc.property(fc.jsonValue(), (value) => canonicalJson(value) === JSON.stringify(value, sorting)));
  });
});
