import fc from 'fast-check';
import { StreamsInputError } from '../errors/streams.errors';
import { MAX_TTL_MS } from '../adapters/expiry/item-expiry';
import { MAX_NAME_BYTES, nameProblem } from '../common/stream-name';
import { idempotencyKey, json, MAX_IDEMPOTENCY_KEY_BYTES, MAX_VERSION_BYTES, name, ttlMs, updateOps, writeCondition } from './streams-input.validator';

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

describe('writeCondition (SPEC §8)', () => {
  const refused = (input: Record<string, unknown>, field: string, message: RegExp) => {
    let error: unknown;
    try {
      writeCondition(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StreamsInputError);
    expect(error).toMatchObject({ field, code: 'STREAM_INVALID_INPUT' });
    expect((error as Error).message).toMatch(message);
  };

  it('reads none, or exactly one of if_version (a version or null), if_absent, if_exists', () => {
    expect(writeCondition({ data: 1 })).toBeUndefined();
    expect(writeCondition({ if_version: 'abc:12' })).toEqual({ if_version: 'abc:12' });
    expect(writeCondition({ if_version: null })).toEqual({ if_version: null });
    expect(writeCondition({ if_absent: true })).toEqual({ if_absent: true });
    expect(writeCondition({ if_exists: true })).toEqual({ if_exists: true });
    expect(writeCondition({ if_version: 'v'.repeat(MAX_VERSION_BYTES) })).toEqual({ if_version: 'v'.repeat(MAX_VERSION_BYTES) });
  });

  it('refuses more than one condition, naming the second', () => {
    refused({ if_version: 'a:1', if_absent: true }, 'if_absent', /cannot be combined with if_version/);
    refused({ if_absent: true, if_exists: true }, 'if_exists', /cannot be combined with if_absent/);
    refused({ if_version: null, if_exists: true }, 'if_exists', /at most one condition/);
  });

  it('refuses flags that are not true and versions that are not bounded, well-formed, non-empty strings', () => {
    refused({ if_absent: false }, 'if_absent', /must be true/);
    refused({ if_exists: 'yes' }, 'if_exists', /must be true/);
    refused({ if_exists: null }, 'if_exists', /must be true/);
    refused({ if_version: 7 }, 'if_version', /non-empty string/);
    refused({ if_version: '' }, 'if_version', /non-empty string/);
    refused({ if_version: 'v'.repeat(MAX_VERSION_BYTES + 1) }, 'if_version', new RegExp(`at most ${MAX_VERSION_BYTES} bytes`));
    refused({ if_version: 'é'.repeat(MAX_VERSION_BYTES / 2 + 1) }, 'if_version', /bytes of UTF-8/);
    refused({ if_version: 'a:\ud800' }, 'if_version', /well-formed/);
  });

  it('any input is a condition or an input error naming one of the three fields', () => {
    const value = fc.oneof(fc.constant(undefined), fc.constant(null), fc.boolean(), fc.string(), fc.integer(), fc.object());
    fc.assert(
      fc.property(fc.record({ if_version: value, if_absent: value, if_exists: value }), (input) => {
        try {
          const condition = writeCondition(input);
          return condition === undefined || Object.keys(condition).length === 1;
        } catch (error) {
          return error instanceof StreamsInputError && ['if_version', 'if_absent', 'if_exists'].includes(error.field);
        }
      }),
    );
  });
});

describe('idempotencyKey (SPEC §8)', () => {
  it('reads none, or a non-empty well-formed string of at most MAX_IDEMPOTENCY_KEY_BYTES', () => {
    expect(idempotencyKey({ data: 1 })).toBeUndefined();
    expect(idempotencyKey({ idempotency_key: 'outbox:42' })).toBe('outbox:42');
    expect(idempotencyKey({ idempotency_key: 'é'.repeat(MAX_IDEMPOTENCY_KEY_BYTES / 2) })).toBe('é'.repeat(MAX_IDEMPOTENCY_KEY_BYTES / 2));
  });

  it('refuses anything else with a StreamsInputError naming idempotency_key', () => {
    for (const [value, message] of [
      [null, /non-empty string/],
      ['', /non-empty string/],
      [42, /non-empty string/],
      ['k'.repeat(MAX_IDEMPOTENCY_KEY_BYTES + 1), new RegExp(`at most ${MAX_IDEMPOTENCY_KEY_BYTES} bytes`)],
      ['é'.repeat(MAX_IDEMPOTENCY_KEY_BYTES / 2 + 1), /bytes of UTF-8/],
      ['k\udc00', /well-formed/],
    ] as const) {
      expect(() => idempotencyKey({ idempotency_key: value })).toThrow(StreamsInputError);
      expect(() => idempotencyKey({ idempotency_key: value })).toThrow(expect.objectContaining({ field: 'idempotency_key', message: expect.stringMatching(message) }));
    }
  });

  it('any input is a key or an input error naming the field', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        try {
          const key = idempotencyKey({ idempotency_key: value });
          return key === undefined || (typeof key === 'string' && key.length > 0);
        } catch (error) {
          return error instanceof StreamsInputError && error.field === 'idempotency_key';
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('ttlMs (SPEC §8)', () => {
  it('reads none, or a positive integer of at most MAX_TTL_MS', () => {
    expect(ttlMs({ data: 1 })).toBeUndefined();
    expect(ttlMs({ ttl_ms: 1 })).toBe(1);
    expect(ttlMs({ ttl_ms: MAX_TTL_MS })).toBe(MAX_TTL_MS);
  });

  it('refuses anything else with a StreamsInputError naming ttl_ms', () => {
    for (const value of [null, 0, -5, 1.5, '100', MAX_TTL_MS + 1, Number.NaN, Infinity]) {
      expect(() => ttlMs({ ttl_ms: value })).toThrow(expect.objectContaining({ field: 'ttl_ms', message: expect.stringMatching(/positive integer/) }));
    }
  });
});
