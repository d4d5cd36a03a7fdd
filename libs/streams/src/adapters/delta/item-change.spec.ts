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
});
