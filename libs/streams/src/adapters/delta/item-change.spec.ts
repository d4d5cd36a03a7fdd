import fc from 'fast-check';
import { applyItemChange } from 'nest-realtime-streams-protocol';
import { UNVERSIONED } from '../item-write.condition';
import { setChange, updateChange } from './item-change';

describe('item changes (SPEC §9)', () => {
  const error = (op_index: number) => ({ op_index, code: 'increment.not_number', message: 'x' });

  it('an update carries the ops that applied, in order, and none without a base version', () => {
    const ops = [
      { type: 'increment', path: 'a', by: 1 },
      { type: 'increment', path: 's', by: 1 },
      { type: 'append', path: 's', value: '!' },
    ];
    expect(updateChange('e:1', ops, [])).toEqual({ base: 'e:1', ops });
    expect(updateChange('e:1', ops, [error(1)])).toEqual({ base: 'e:1', ops: [ops[0], ops[2]] });
    expect(updateChange(undefined, ops, [])).toBeUndefined();
    expect(updateChange(UNVERSIONED, ops, [])).toBeUndefined();
  });

  it('a set of two objects (or two arrays) carries an RFC 6902 patch that turns the old value into the new', () => {
    const old = { a: 1, b: { c: [1, 2] }, d: 'x' };
    const next = { a: 1, b: { c: [1, 3, 4] }, e: null };
    const change = setChange('e:7', old, next)!;
    expect(change.base).toBe('e:7');
    expect(applyItemChange(old, change)).toEqual({ ok: true, value: next });
    expect(applyItemChange([1, 2], setChange('e:7', [1, 2], [2])!)).toEqual({ ok: true, value: [2] });
  });

  it('a set between different kinds of value, or from a missing item, goes whole (no change)', () => {
    expect(setChange('e:1', { a: 1 }, [1])).toBeUndefined();
    expect(setChange('e:1', 'text', 'text!')).toBeUndefined();
    expect(setChange('e:1', null, { a: 1 })).toBeUndefined();
    expect(setChange(undefined, undefined, { a: 1 })).toBeUndefined();
  });

  it('a set that reorders keys goes whole: a patch would leave the mirror with another key order than the server', () => {
    expect(setChange('e:1', { a: 1, b: 2 }, { b: 2, a: 1 })).toBeUndefined();
    expect(setChange('e:1', { x: { a: 1, b: 2 } }, { x: { b: 3, a: 1 } })).toBeUndefined();
    expect(setChange('e:1', [{ a: 1, b: 2 }], [{ b: 2, a: 1 }])).toBeUndefined();
    // Kept keys in place, new keys after them: the patch gives the same text.
    const change = setChange('e:1', { a: 1, gone: true, b: { c: 1 } }, { a: 2, b: { c: 1, d: 2 }, z: 0 })!;
    expect(JSON.stringify((applyItemChange({ a: 1, gone: true, b: { c: 1 } }, change) as { value: unknown }).value)).toBe('{"a":2,"b":{"c":1,"d":2},"z":0}');
  });

  it('whenever a set carries a patch, applying it to the old value gives the new value’s exact JSON text (property)', () => {
    // Values that share keys, in shuffled orders, so reorderings, additions and removals all come up.
    const entries = fc.uniqueArray(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd', '1', '2'), fc.jsonValue({ maxDepth: 2 })), { selector: ([key]) => key, maxLength: 5 });
    const container = fc.oneof(
      entries.map((list) => Object.fromEntries(list)),
      fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
    );
    fc.assert(
      fc.property(container, container, entries, fc.boolean(), (old, other, extra, shuffle) => {
        const next = shuffle && !Array.isArray(old) ? Object.fromEntries([...Object.entries(old)].reverse().concat(extra)) : other;
        const change = setChange('e:1', old, next);
        if (!change) return true;
        const applied = applyItemChange(JSON.parse(JSON.stringify(old)), change);
        return applied.ok && JSON.stringify(applied.value) === JSON.stringify(next);
      }),
      { numRuns: 2000 },
    );
  });
});
