import fc from 'fast-check';
import { Redis } from 'ioredis';
import { UPDATE_OP_CASES } from '../../../../../test/shared/update-ops.cases';
import { deletePrefix, describeRedis, REDIS_URL, uniquePrefix } from '../../../../../test/support/redis';
import { applyUpdateOps } from 'nest-realtime-streams-protocol';
import { RedisStreamAdapter } from './redis.adapter';
import { RedisKeyspace } from './redis.keys';

/**
 * Byte identity of the Lua ops with the in-process engine: the stored JSON text, the errors (index, code
 * and message) and the published frame bytes must equal what the engine plus JSON.stringify produce.
 */
describeRedis('Redis update ops are byte-identical to the in-process engine', () => {
  const prefix = uniquePrefix('update-ops');
  const keys = new RedisKeyspace(prefix);
  let adapter: RedisStreamAdapter;
  let raw: Redis;
  let item = 0;

  beforeAll(async () => {
    adapter = await RedisStreamAdapter.connect({ type: 'redis', url: REDIS_URL, keyPrefix: prefix });
    raw = new Redis(REDIS_URL);
  });

  afterAll(async () => {
    await adapter.close();
    raw.disconnect();
    await deletePrefix(prefix);
  });

  /** Runs the ops on Redis and on the engine; returns both sides as compared text. */
  async function both(current: unknown, exists: boolean, ops: unknown[]) {
    const id = `item-${item++}`;
    if (exists) await adapter.set('ops', 'g', id, current);
    const outcome = await adapter.update('ops', 'g', id, ops);
    const engine = applyUpdateOps(exists ? JSON.parse(JSON.stringify(current) ?? 'null') : null, exists, ops);
    const frame = JSON.parse(outcome.envelope!.json!) as { timestamp: number };
    const expectedFrame = {
      type: 'stream',
      timestamp: frame.timestamp,
      streamName: 'ops',
      groupId: 'g',
      id,
      event: { type: exists ? 'update' : 'create', data: engine.value },
    };
    return {
      redis: { stored: await raw.hget(keys.group('ops', 'g').items, id), errors: outcome.errors, frame: outcome.envelope!.json! },
      engine: { stored: JSON.stringify(engine.value), errors: engine.errors, frame: JSON.stringify(expectedFrame) },
      expectedValue: engine.value,
    };
  }

  describe('the shared case table', () => {
    it.each(UPDATE_OP_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
      const { redis, engine } = await both(c.current, c.exists, c.ops);
      expect(redis).toEqual(engine);
      expect(redis.stored).toBe(JSON.stringify(c.expected.value));
      expect(redis.errors.map((e) => ({ op_index: e.op_index, code: e.code, doc_url: e.doc_url }))).toEqual(c.expected.errors);
    });
  });

  describe('corners of the JSON codec', () => {
    const corners: Array<[string, unknown, unknown[]]> = [
      ['array-index keys print first, ascending', JSON.parse('{"b":1,"10":2,"1":3,"01":4,"4294967295":5,"4294967294":6}'), [{ type: 'set', path: '2', value: 0 }]],
      ['untouched numbers keep their text', { big: 1e21, small: 1e-7, neg: -5e-324, max: 1.7976931348623157e308, n: 2 ** 64 }, [{ type: 'increment', path: 'n', by: 1 }]],
      ['new numbers print like Number#toString', {}, [
        { type: 'increment', path: 'a', by: 0.1 }, { type: 'increment', path: 'a', by: 0.2 },
        { type: 'increment', path: 'b', by: 1e20 }, { type: 'increment', path: 'b', by: 9e20 },
        { type: 'increment', path: 'c', by: 1e-6 }, { type: 'decrement', path: 'c', by: 9e-7 },
        { type: 'increment', path: 'd', by: 2 ** 60 }, { type: 'increment', path: 'e', by: -1.5e300 },
        { type: 'decrement', path: 'f', by: 0 }, { type: 'increment', path: 'g', by: 123456.789 },
      ]],
      ['strings escape like JSON.stringify', { s: 'q"b\\\u0000\u0001\u001f\u007f\u2028\b\f\n\r\té😀\ud800x\udc00' }, [{ type: 'set', path: 'k\u0000"', value: '\ud83d' }]],
      ['split surrogate halves join again after concatenation', { s: 'a\ud83d' }, [{ type: 'append', path: 's', value: '\ude00b' }]],
      ['own __proto__ keys stay data everywhere', JSON.parse('{"__proto__":{"x":1},"a":[{"__proto__":2}]}'), [{ type: 'append', path: ['a'], value: JSON.parse('{"__proto__":3}') }]],
      ['deep values round-trip', { d: JSON.parse('['.repeat(200) + ']'.repeat(200)) }, [{ type: 'set', path: 'k', value: 1 }]],
    ];
    it.each(corners)('%s', async (_name, current, ops) => {
      const { redis, engine } = await both(current, true, ops);
      expect(redis).toEqual(engine);
    });
  });

  describe('differential property: random values and ops', () => {
    const key = fc.oneof(
      fc.constantFrom('a', 'b', 'n', 's', '0', '1', '10', '01', '4294967295', '', 'a.b', '__proto__', 'constructor', 'prototype', 'toString', '\ud800', '😀'),
      fc.string({ unit: 'binary', maxLength: 4 }),
    );
    const number = fc.oneof(
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.constantFrom(0.1, 0.2, 1e21, 1e-7, 2 ** 53, 2 ** 64, 5e-324, 1.7976931348623157e308, -0),
    );
    const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 6 }), fc.constantFrom('\ud83d', '\ude00', 'é', '"\\\n', '\u0000'));
    const scalar = fc.oneof(fc.constantFrom(null, true, false), number, text);
    /** Objects built through JSON.parse, so `__proto__` keys are own data keys as they would be off the wire. */
    const { value } = fc.letrec<{ value: unknown }>((tie) => ({
      value: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        scalar,
        fc.array(tie('value'), { maxLength: 3 }),
        fc
          .array(fc.tuple(key, tie('value')), { maxLength: 4 })
          .map((entries) => JSON.parse(`{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`) as unknown),
      ),
    }));
    const keyPath = fc.oneof(key, fc.constant(''), number);
    const nestedPath = fc.oneof(key, fc.array(key, { maxLength: 3 }), fc.constantFrom(null, undefined, ''));
    const op = fc.oneof(
      fc.record({ type: fc.constant('set'), path: keyPath, value }, { requiredKeys: ['type', 'path'] }),
      fc.record({ type: fc.constant('merge'), path: nestedPath, value }, { requiredKeys: ['type'] }),
      fc.record({ type: fc.constantFrom('increment', 'decrement'), path: keyPath, by: fc.oneof(number, text) }, { requiredKeys: ['type', 'path'] }),
      fc.record({ type: fc.constant('append'), path: nestedPath, value }, { requiredKeys: ['type'] }),
      fc.record({ type: fc.constant('remove'), path: keyPath }),
      value,
    );

    it('Redis result === engine result (200 runs)', async () => {
      await fc.assert(
        fc.asyncProperty(value, fc.boolean(), fc.array(op, { maxLength: 6 }), async (current, exists, ops) => {
          const { redis, engine } = await both(current, exists, ops);
          expect(redis).toEqual(engine);
        }),
        { numRuns: 200 },
      );
    });
  });
});
