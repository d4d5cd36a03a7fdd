import fc from 'fast-check';
import { utf8Length } from './utf8.length';

describe('utf8Length', () => {
  it('equals Buffer.byteLength on any string, lone surrogates included', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (text) => utf8Length(text) === Buffer.byteLength(text, 'utf8')), { numRuns: 500 });
    for (const text of ['', 'a', 'é', '€', '😀', '\ud800', '\udc00x', 'x\ud83d']) expect(utf8Length(text)).toBe(Buffer.byteLength(text, 'utf8'));
  });
});
