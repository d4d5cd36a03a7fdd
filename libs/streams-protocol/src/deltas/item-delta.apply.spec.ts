import { applyItemChange } from './item-delta.apply';

describe('applyItemChange (the client side of SPEC §9)', () => {
  it('applies update ops with the shared engine, without mutating the value it was given', () => {
    const value = { text: 'Hello', n: 1 };
    const result = applyItemChange(value, { ops: [{ type: 'append', path: 'text', value: ', world' }, { type: 'increment', path: 'n', by: 2 }] });
    expect(result).toEqual({ ok: true, value: { text: 'Hello, world', n: 3 } });
    expect(value).toEqual({ text: 'Hello', n: 1 });
  });

  it('applies an RFC 6902 patch on a copy', () => {
    const value = { a: { b: [1, 2] } };
    expect(applyItemChange(value, { patch: [{ op: 'replace', path: '/a/b/1', value: 5 }] })).toEqual({ ok: true, value: { a: { b: [1, 5] } } });
    expect(value).toEqual({ a: { b: [1, 2] } });
  });

  it('refuses what does not apply cleanly, so the caller re-syncs instead of guessing', () => {
    expect(applyItemChange({ n: 'x' }, { ops: [{ type: 'increment', path: 'n', by: 1 }] })).toEqual({ ok: false });
    expect(applyItemChange({ a: 1 }, { patch: [{ op: 'replace', path: '/missing/deep', value: 1 }] })).toEqual({ ok: false });
    expect(applyItemChange({}, { patch: [{ op: 'add', path: '/__proto__/polluted', value: 1 }] })).toEqual({ ok: false });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
