import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { describeAdapterContract } from '../../../../../test/shared/adapter-contract';
import { deletePrefix, describeRedis, REDIS_URL, ThrowawayRedis, uniquePrefix } from '../../../../../test/support/redis';
import type { StreamEnvelope } from '../stream-adapter.interface';
import { RedisStreamAdapter } from './redis.adapter';
import { MAX_CLOCK_LEAD_MS } from '../history/group-clock';
import { RedisKeyspace } from './redis.keys';
import { EXPIRY_SHARDS } from './redis-expiry.index';
import { listen } from '../../../../../test/support/hub-listener';
import { waitFor } from '../../../../../test/support/wait-for';

/** The groups that have any key (items, meta, log) under `prefix`, read back from their hash tags. */
async function groupsWithKeys(prefix: string): Promise<string[]> {
  const redis = new Redis(REDIS_URL);
  try {
    const groups = new Set<string>();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:{*`, 'COUNT', 500);
      for (const key of keys) {
        const tag = key.slice(key.indexOf('{') + 1, key.indexOf('}'));
        groups.add((JSON.parse(Buffer.from(tag, 'base64url').toString('utf8')) as [string, string])[1]);
      }
      cursor = next;
    } while (cursor !== '0');
    return [...groups].sort();
  } finally {
    redis.disconnect();
  }
}

describe('RedisStreamAdapter.connect', () => {
  it('fails within connectTimeoutMs with an error naming the URL (password hidden) when Redis is unreachable', async () => {
    await expect(RedisStreamAdapter.connect({ type: 'redis', url: 'redis://:hunter2@127.0.0.1:1', connectTimeoutMs: 300 })).rejects.toThrow(
      /^Redis adapter could not connect to redis:\/\/:\*\*\*@127\.0\.0\.1:1 within 300 ms: .*ECONNREFUSED/,
    );
  });
});

describeRedis('RedisStreamAdapter', () => {
  let prefix = uniquePrefix('contract');
  const open = () => RedisStreamAdapter.connect({ type: 'redis', url: REDIS_URL, keyPrefix: prefix });

  describeAdapterContract('redis', {
    create: (history, idempotency, expiry) => {
      prefix = uniquePrefix('contract');
      return RedisStreamAdapter.connect({ type: 'redis', url: REDIS_URL, keyPrefix: prefix }, history, idempotency, expiry);
    },
    peer: open,
    reopen: async (adapter) => {
      await adapter.close();
      return open();
    },
    heldGroups: () => groupsWithKeys(prefix),
    cleanup: () => deletePrefix(prefix),
    ordered: false,
    keysBoundedInTotal: false,
  });

  describe('Redis specifics', () => {
    const adapters: RedisStreamAdapter[] = [];
    let raw: Redis;
    const connect = async () => {
      const adapter = await open();
      adapters.push(adapter);
      return adapter;
    };

    beforeEach(() => {
      prefix = uniquePrefix('redis');
      raw = new Redis(REDIS_URL);
    });

    afterEach(async () => {
      for (const a of adapters.splice(0)) await a.close();
      raw.disconnect();
      await deletePrefix(prefix);
    });

    it('idempotency records: in the group\'s slot, bounded per group by trimming, and their keys expire with the newest record', async () => {
      const adapter = await RedisStreamAdapter.connect({ type: 'redis', url: REDIS_URL, keyPrefix: prefix }, undefined, { ttlMs: 400, maxKeysPerGroup: 3, maxKeys: 1 });
      adapters.push(adapter);
      const g = new RedisKeyspace(prefix).group('s', 'g');
      for (let i = 0; i < 10; i++) await adapter.set('s', 'g', `i${i}`, i, { idempotency: { key: `k${i}`, fingerprint: 'f' } });
      expect([await raw.hlen(g.idempotency), await raw.zcard(g.idempotencyExpiry)]).toEqual([3, 3]);
      expect((await raw.hkeys(g.idempotency)).sort()).toEqual(['"k7"', '"k8"', '"k9"']);
      // The log keeps each keyed event's key after its frame; the frame holds none.
      const [last] = await raw.lrange(g.log, -1, -1);
      expect(last.endsWith('}\n"k9"')).toBe(true);
      for (const key of [g.idempotency, g.idempotencyExpiry]) {
        const ttl = await raw.pttl(key);
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(400);
      }
      await waitFor(async () => (await raw.exists(g.idempotency, g.idempotencyExpiry)) === 0, { ms: 2000 });
      // Items are kept: only the records expired.
      await expect(adapter.get('s', 'g', 'i9')).resolves.toBe(9);
      expect((await adapter.set('s', 'g', 'i9', 9, { idempotency: { key: 'k9', fingerprint: 'f' } })).replayed).toBeUndefined();
    });

    it('item expiry keys: only groups with expiring items are indexed, and nothing is left once they are swept', async () => {
      const adapter = await RedisStreamAdapter.connect({ type: 'redis', url: REDIS_URL, keyPrefix: prefix }, undefined, undefined, { intervalMs: 3_600_000, batch: 500 });
      adapters.push(adapter);
      const keys = new RedisKeyspace(prefix);
      const expiring = async () => (await Promise.all(Array.from({ length: EXPIRY_SHARDS }, (_, n) => raw.zrange(keys.expiring(n).groups, 0, -1)))).flat().sort();
      await adapter.set('s', 'plain', 'i', 1);
      await adapter.set('s', 'a', 'i', 1, { ttlMs: 50 });
      await adapter.update('s', 'b', 'i', [], { ttlMs: 50 });
      await adapter.set('s', 'b', 'kept', 1, { ttlMs: 50 });
      await adapter.set('s', 'b', 'kept', 2);
      expect(await expiring()).toEqual([JSON.stringify(['s', 'a']), JSON.stringify(['s', 'b'])]);
      expect(await raw.exists(keys.group('s', 'plain').expiries)).toBe(0);
      expect(await raw.zrange(keys.group('s', 'b').expiries, 0, -1)).toEqual(['i']);
      await new Promise((r) => setTimeout(r, 100));
      await expect(adapter.sweepExpired()).resolves.toBe(2);
      expect(await expiring()).toEqual([]);
      const left = await Promise.all(Array.from({ length: EXPIRY_SHARDS }, (_, n) => raw.exists(keys.expiring(n).groups, keys.expiring(n).writes)));
      expect(left.every((n) => n === 0)).toBe(true);
      expect(await raw.exists(keys.group('s', 'a').expiries, keys.group('s', 'b').expiries)).toBe(0);
      await expect(adapter.list('s', 'b')).resolves.toEqual([2]);
    });

    it('a subscribe right after an unsubscribe of the same group stays live (the late UNSUBSCRIBE loses)', async () => {
      const [writer, reader] = [await connect(), await connect()];
      const seen: StreamEnvelope[] = [];
      for (let round = 0; round < 20; round++) {
        const off = await listen(reader, 's', 'g', () => undefined);
        const unsubscribing = off();
        const again = listen(reader, 's', 'g', (e) => seen.push(e));
        await unsubscribing;
        const offAgain = await again;
        await writer.set('s', 'g', 'i', round);
        await waitFor(() => seen.length === round + 1);
        await offAgain();
      }
      expect(seen.map((e) => e.frame.event)).toEqual(Array.from({ length: 20 }, (_, i) => ({ type: i === 0 ? 'create' : 'update', data: i })));
    });

    it('delivers to every listener of a group even when one throws, and shares one channel between them', async () => {
      const adapter = await connect();
      const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      const seen: number[] = [];
      const offs = [
        await listen(adapter, 's', 'g', () => {
          throw new Error('listener bug');
        }),
        await listen(adapter, 's', 'g', (e) => seen.push(e.seq)),
      ];
      const { envelope } = await adapter.set('s', 'g', 'i', 1);
      await waitFor(() => seen.length === 1);
      expect(seen).toEqual([envelope!.seq]);
      expect(errors).toHaveBeenCalledWith(expect.stringContaining('listener bug'));
      expect(await raw.pubsub('SHARDNUMSUB', new RedisKeyspace(prefix).group('s', 'g').channel)).toEqual([expect.any(String), 1]);
      for (const off of offs) await off();
      errors.mockRestore();
    });

    it('hands subscribers the published frame text (json), never re-encoded, with the group history epoch', async () => {
      const [writer, reader] = [await connect(), await connect()];
      const seen: StreamEnvelope[] = [];
      await listen(reader, 'ünï', 'grüp "1"', (e) => seen.push(e));
      const { envelope } = await writer.set('ünï', 'grüp "1"', 'it:em', { z: 1, a: [1.5, 'é', null] });
      await waitFor(() => seen.length === 1);
      expect(seen[0]).toEqual(envelope);
      expect(seen[0].json).toBe(JSON.stringify(envelope!.frame));
      expect(Object.keys(seen[0].frame)).toEqual(['type', 'timestamp', 'streamName', 'groupId', 'id', 'event']);
      expect(envelope!.epoch).toMatch(/^[0-9a-f]+$/);
    });

    describe('history (resume)', () => {
      const openWith = async (history: { size: number; maxAgeMs: number }) => {
        const adapter = await RedisStreamAdapter.connect({ type: 'redis', url: REDIS_URL, keyPrefix: prefix }, history);
        adapters.push(adapter);
        return adapter;
      };
      const tick = async (adapter: RedisStreamAdapter, n: number) =>
        (await adapter.publish({ streamName: 's', groupId: 'g', id: null, event: { type: 'event', event: { type: 'tick', data: n } } }))!;

      it('replays exactly the events after a position, on any instance, with a fresh position', async () => {
        const [a, b] = [await connect(), await connect()];
        const start = await a.snapshot('s', 'g', null);
        const written: StreamEnvelope[] = [];
        for (let i = 0; i < 6; i++) written.push(i % 2 ? await tick(b, i) : (await a.set('s', 'g', `i${i}`, i)).envelope!);
        expect(written.every((e) => e.epoch === start.epoch)).toBe(true);
        const replay = await b.history('s', 'g', start.epoch!, written[1].seq);
        expect(replay!.envelopes).toEqual(written.slice(2));
        expect(replay!.position).toMatchObject({ seq: written[5].seq, epoch: start.epoch });
        expect(replay!.position.timestamp).toBeGreaterThan(written[5].frame.timestamp);
        expect(await a.history('s', 'g', start.epoch!, start.seq)).toMatchObject({ envelopes: written });
        expect(await a.history('s', 'g', start.epoch!, written[5].seq)).toMatchObject({ envelopes: [], position: { seq: written[5].seq } });
        const snapshot = await a.snapshot('s', 'g', null);
        expect(snapshot).toMatchObject({ seq: written[5].seq, epoch: start.epoch });
      });

      it('answers null when it cannot replay everything: other epoch, future or bad seq, unknown group', async () => {
        const adapter = await connect();
        const { envelope } = await adapter.set('s', 'g', 'i', 1);
        expect(await adapter.history('s', 'g', 'other-epoch', envelope!.seq - 1)).toBeNull();
        expect(await adapter.history('s', 'g', envelope!.epoch!, envelope!.seq + 1)).toBeNull();
        expect(await adapter.history('s', 'g', envelope!.epoch!, -1)).toBeNull();
        expect(await adapter.history('s', 'g', envelope!.epoch!, 1.5)).toBeNull();
        expect(await adapter.history('s', 'never-written', envelope!.epoch!, 0)).toBeNull();
      });

      it('keeps at most `size` events and none older than `maxAgeMs`', async () => {
        const small = await openWith({ size: 3, maxAgeMs: 60_000 });
        const start = await small.snapshot('s', 'g', null);
        for (let i = 0; i < 5; i++) await tick(small, i);
        expect(await small.history('s', 'g', start.epoch!, start.seq + 1)).toBeNull();
        expect((await small.history('s', 'g', start.epoch!, start.seq + 2))!.envelopes.map((e) => e.frame.event)).toEqual(
          [2, 3, 4].map((n) => ({ type: 'event', event: { type: 'tick', data: n } })),
        );
        const brief = await openWith({ size: 100, maxAgeMs: 50 });
        const from = await brief.snapshot('s', 'brief', null);
        // An item keeps the group's position once its history has expired (an item-less group's expires too).
        await brief.set('s', 'brief', 'i', 0);
        await new Promise((r) => setTimeout(r, 120));
        expect(await brief.history('s', 'brief', from.epoch!, from.seq)).toBeNull();
        expect(await brief.history('s', 'brief', from.epoch!, from.seq + 1)).toMatchObject({ envelopes: [] });
        const none = await openWith({ size: 0, maxAgeMs: 60_000 });
        const at = await none.snapshot('s', 'none', null);
        await none.publish({ streamName: 's', groupId: 'none', id: null, event: { type: 'event', event: { type: 'tick', data: 0 } } });
        expect(await none.history('s', 'none', at.epoch!, at.seq)).toBeNull();
        expect(await none.history('s', 'none', at.epoch!, at.seq + 1)).toMatchObject({ envelopes: [] });
      });
    });

    it('keeps the group index exact under racing creates and deletes from two instances', async () => {
      const [a, b] = [await connect(), await connect()];
      const keys = new RedisKeyspace(prefix);
      for (let round = 0; round < 100; round++) {
        await Promise.all([a.set('race', 'g', 'i', round), b.delete('race', 'g', 'i'), a.listGroups('race'), b.listAll()]);
        const exists = (await a.get('race', 'g', 'i')) !== null;
        // The guarantee: a group holding items is always indexed (a race may leave a stale entry for an
        // empty one, which readers filter out)...
        if (exists) expect(await raw.sismember(keys.groups('race'), 'g')).toBe(1);
        expect(await b.listGroups('race')).toEqual(exists ? ['g'] : []);
        // ...and a listing clears what a race left behind, so afterwards the raw index is exact.
        expect(await raw.sismember(keys.groups('race'), 'g')).toBe(exists ? 1 : 0);
        expect(await raw.sismember(keys.streams, 'race')).toBe(exists ? 1 : 0);
      }
    });

    describe('call order at the clock cap (issue 23)', () => {
      /** Instances that let a command wait long: on this shared machine thousands of scripts may queue up. */
      const patient = async () => {
        const adapter = await RedisStreamAdapter.connect({ type: 'redis', url: REDIS_URL, keyPrefix: prefix, commandTimeoutMs: 30_000 });
        adapters.push(adapter);
        return adapter;
      };
      /** Puts the group's clock at its cap, as a burst of another instance would: every write must wait for it at first. */
      const atTheCap = async (adapter: RedisStreamAdapter, group: string) => {
        await adapter.publish({ streamName: 's', groupId: group, id: null, event: { type: 'event', event: { type: 'start', data: null } } });
        const [seconds, micros] = await raw.time();
        const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
        await raw.hset(new RedisKeyspace(prefix).group('s', group).meta, 'ts', now + MAX_CLOCK_LEAD_MS, 'seen', now);
      };

      it('3,000 unawaited sets of one item at the cap: applied in call order, the last one called wins', async () => {
        const adapter = await patient();
        await atTheCap(adapter, 'hot');
        const outcomes = await Promise.all(Array.from({ length: 3000 }, (_, n) => adapter.set('s', 'hot', 'i', n)));
        const applied = [...outcomes].sort((x, y) => x.envelope!.seq - y.envelope!.seq).map((o) => o.new_value);
        expect(applied.filter((value, i) => value !== i).length).toBe(0);
        await expect(adapter.get('s', 'hot', 'i')).resolves.toBe(2999);
      }, 30_000);
    });

    it('lists no group whose hash vanished behind its back, and drops it from the index', async () => {
      const adapter = await connect();
      const keys = new RedisKeyspace(prefix);
      await adapter.set('s', 'keep', 'i', 1);
      await adapter.set('s', 'gone', 'i', 1);
      await raw.del(keys.group('s', 'gone').items);
      expect(await adapter.listGroups('s')).toEqual(['keep']);
      expect(await raw.smembers(keys.groups('s'))).toEqual(['keep']);
      await raw.del(keys.group('s', 'keep').items);
      expect(await adapter.listAll()).toEqual([]);
      expect(await raw.smembers(keys.streams)).toEqual([]);
    });
  });
});

describeRedis(
  'RedisStreamAdapter across a Redis restart',
  () => {
    let redis: ThrowawayRedis;
    let adapter: RedisStreamAdapter;
    let logs: string[];

    beforeAll(async () => {
      redis = await ThrowawayRedis.start();
    });

    beforeEach(() => {
      logs = [];
      const record = (level: string) => (message: unknown) => void logs.push(`${level}: ${String(message)}`);
      jest.spyOn(Logger.prototype, 'log').mockImplementation(record('log'));
      jest.spyOn(Logger.prototype, 'warn').mockImplementation(record('warn'));
      jest.spyOn(Logger.prototype, 'error').mockImplementation(record('error'));
    });

    afterEach(async () => {
      await adapter?.close();
      jest.restoreAllMocks();
    });

    afterAll(() => redis.dispose());

    it('rejects writes clearly while Redis is down, then reconnects, resubscribes, logs each transition once and delivers again', async () => {
      adapter = await RedisStreamAdapter.connect({ type: 'redis', url: redis.url, commandTimeoutMs: 1000 });
      const seen: StreamEnvelope[] = [];
      await listen(adapter, 's', 'g', (e) => seen.push(e));
      const before = (await adapter.set('s', 'g', 'i', 'before')).envelope;
      await waitFor(() => seen.length === 1);

      await redis.kill();
      await expect(adapter.set('s', 'g', 'i', 'during')).rejects.toThrow(`Redis set failed: ${redis.url} is unavailable`);
      await expect(listen(adapter, 's', 'other', () => undefined)).rejects.toThrow(/Redis subscribe failed: .* is unavailable/);
      await expect(adapter.ping()).rejects.toThrow(/is unavailable/);

      await redis.restart();
      await waitFor(() => logs.some((l) => l.includes('Redis resubscribed 1 group channel(s)')));
      await waitFor(() => adapter.ping().then(() => true, () => false));
      const after = (await adapter.set('s', 'g', 'i', 'after')).envelope;
      await waitFor(() => seen.length === 2);
      expect(seen[1].frame.event).toEqual({ type: 'create', data: 'after' });
      // The restart lost every key (no persistence): seq still moves past what subscribers saw before, the
      // group's history starts over under a new epoch, and the old position can no longer be replayed.
      expect(after!.seq).toBeGreaterThan(before!.seq);
      expect(after!.epoch).not.toBe(before!.epoch);
      await expect(adapter.history('s', 'g', before!.epoch!, before!.seq)).resolves.toBeNull();

      const count = (text: string) => logs.filter((l) => l.includes(text)).length;
      expect(count('warn: Redis connection lost (command connection')).toBe(1);
      expect(count('warn: Redis connection lost (subscriber connection')).toBe(1);
      expect(count('log: Redis reconnected (command connection')).toBe(1);
      expect(count('log: Redis reconnected (subscriber connection')).toBe(1);
      expect(count('Redis resubscribed')).toBe(1);
    });

    it('items keep their versions across a restart of a persistent Redis (a new history epoch): conditions still hold', async () => {
      const persistent = await ThrowawayRedis.start({ persistent: true });
      try {
        adapter = await RedisStreamAdapter.connect({ type: 'redis', url: persistent.url });
        const before = await adapter.set('s', 'g', 'i', 1, { idempotency: { key: 'k', fingerprint: 'f' } });
        await persistent.kill();
        await persistent.restart();
        await waitFor(() => adapter.ping().then(() => true, () => false));
        await expect(adapter.getVersioned('s', 'g', 'i')).resolves.toEqual({ value: 1, version: before.version });
        const other = await adapter.set('s', 'g', 'other', 0);
        expect(other.envelope!.epoch).not.toBe(before.envelope!.epoch);
        await expect(adapter.set('s', 'g', 'i', 2, { condition: { if_version: 'x:1' } })).rejects.toMatchObject({ code: 'version_conflict', version: before.version });
        const after = await adapter.set('s', 'g', 'i', 2, { condition: { if_version: before.version } });
        expect(after.version).toBe(`${after.envelope!.epoch}:${after.envelope!.seq}`);
        // Idempotency records persist with the items: a retry after the restart gets the first result.
        await expect(adapter.set('s', 'g', 'i', 1, { idempotency: { key: 'k', fingerprint: 'f' } })).resolves.toMatchObject({ replayed: true, version: before.version });
      } finally {
        await adapter.close();
        await persistent.dispose();
      }
    });

    it('catches a subscriber up from the log after its connection dropped: every event once, in order', async () => {
      adapter = await RedisStreamAdapter.connect({ type: 'redis', url: redis.url });
      const writer = await RedisStreamAdapter.connect({ type: 'redis', url: redis.url });
      const raw = new Redis(redis.url);
      try {
        const seen: number[] = [];
        await listen(adapter, 'blip', 'g', (e) => seen.push(e.seq));
        const first = (await writer.set('blip', 'g', 'i', 0)).envelope!.seq;
        await waitFor(() => seen.length === 1);
        await raw.client('KILL', 'TYPE', 'pubsub');
        const sent = [first];
        for (let i = 1; i <= 200; i++) {
          sent.push((await writer.set('blip', 'g', 'i', i)).envelope!.seq);
          if (i % 20 === 0) await new Promise((r) => setTimeout(r, 5));
        }
        await waitFor(() => seen.length >= sent.length);
        expect(seen).toEqual(sent);
        expect(logs.some((l) => l.includes('1 caught up from history'))).toBe(true);
      } finally {
        raw.disconnect();
        await writer.close();
      }
    });
  },
  { ownServer: true },
);
