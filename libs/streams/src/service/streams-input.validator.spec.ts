import fc from 'fast-check';
import { StreamsInputError } from '../errors/streams.errors';
import { json, MAX_NAME_BYTES, name, nameProblem, updateOps } from './streams-input.validator';

/** Runs `fn`; anything it throws must be a StreamsInputError. */
function onlyInputErrors(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch (error) {
    return error instanceof StreamsInputError && error.field.length > 0 && error.message.length > 0;
  }
}

describe('input validation (fuzz)', () => {
  it('names: accepted exactly when a well-formed string (empty included, as iii) of at most 256 UTF-8 bytes', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.anything()), (value) => {
        const valid = typeof value === 'string' && value.isWellFormed() && Buffer.byteLength(value) <= MAX_NAME_BYTES;
        expect(nameProblem(value) === null).toBe(valid);
        return onlyInputErrors(() => name({ stream_name: value }, 'stream_name'));
      }),
      { numRuns: 2000 },
    );
    expect(nameProblem('')).toBeNull();
    expect(nameProblem('é'.repeat(128))).toBeNull();
    expect(nameProblem('é'.repeat(129))).not.toBeNull();
  });

  it('data: any value either becomes its JSON form or is refused with an input error', () => {
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withDate: true, withMap: true, withTypedArray: true }), (value) => onlyInputErrors(() => json({ data: value }, 'data'))),
      { numRuns: 1000 },
    );
  });

  it('ops: any input is an op list or an input error naming the op field', () => {
    const op = fc.record(
      { type: fc.oneof(fc.constantFrom('set', 'merge', 'increment', 'decrement', 'append', 'remove'), fc.anything()), path: fc.anything(), by: fc.anything(), value: fc.anything() },
      { requiredKeys: [] },
    );
    fc.assert(fc.property(fc.oneof(fc.array(op), fc.anything()), (ops) => onlyInputErrors(() => updateOps({ ops }))), { numRuns: 1000 });
  });
});
