import { Redis } from 'ioredis';
import { deletePrefix, describeRedis, REDIS_URL, uniquePrefix } from '../../../../../test/support/redis';
import { waitFor } from '../../../../../test/support/wait-for';
import type { PresenceChange } from '../../presence/presence.types';
import { decodePresenceMessage, isPresenceMessage } from './redis-presence.message';
import { RedisPresenceStore } from './redis-presence.store';
import { RedisKeyspace } from './redis.keys';

describeRedis('RedisPresenceStore: every write publishes its change on the group channel', () => {
  const prefix = uniquePrefix('presence-store');
  const keys = new RedisKeyspace(prefix);
  const commands = new Redis(REDIS_URL);
  const subscriber = new Redis(REDIS_URL);
  const heard: PresenceChange[] = [];
  const stores: RedisPresenceStore[] = [];
  const store = (ttlMs: number) => {
    const s = new RedisPresenceStore(commands, keys, ttlMs, 20_000);
    stores.push(s);
    return s;
  };
  const record = (name: string, at = Date.now()) => ({ data: { name }, state: null, at });

  beforeAll(async () => {
    subscriber.on('smessage', (_channel: string, message: string) => isPresenceMessage(message) && heard.push(decodePresenceMessage('room', 'g', message)));
    await subscriber.ssubscribe(keys.group('room', 'g').channel);
  });

  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    subscriber.disconnect();
    commands.disconnect();
    await deletePrefix(prefix);
  });

  it('put on two instances, then remove: each returns the change it published, versions chained; a read gives the state at the last one', async () => {
    const [a, b] = [store(60_000), store(60_000)];
    const joined = await a.put('room', 'g', 'ann', record('ann'), 10);
    const other = await b.put('room', 'g', 'ann', record('ann on b'), 10);
    const left = await a.remove('room', 'g', 'ann');
    expect(joined).toMatchObject({ prev: 0, instance: a.instance, set: [{ instance: a.instance, key: 'ann', record: { data: { name: 'ann' } } }], removed: [] });
    expect(other!.prev).toBe(joined!.version);
    expect(left).toMatchObject({ prev: other!.version, version: other!.version + 1, removed: [{ instance: a.instance, key: 'ann' }] });
    await waitFor(() => heard.length === 3, { what: 'the three messages' });
    expect(heard).toEqual([joined, other, left]);
    const read = await a.read('room', 'g', null);
    expect(read.version).toBe(left!.version);
    expect(read.entries).toEqual([{ instance: b.instance, key: 'ann', record: record('ann on b', other!.set[0].record.at), expiresInMs: expect.any(Number) }]);
    await expect(a.read('room', 'g', read.version)).resolves.toEqual({ version: read.version, entries: null });
    // Nothing to remove: nothing changes, nothing is published.
    await expect(a.remove('room', 'g', 'nobody')).resolves.toBeNull();
    await b.remove('room', 'g', 'ann');
  });

  it("the keep-alive publishes without a new version; an instance that stops refreshing is dropped by the next script, its leave published", async () => {
    heard.length = 0;
    const [alive, dying] = [store(300), store(300)];
    await alive.put('room', 'g', 'ann', record('ann'), 10);
    await dying.put('room', 'g', 'bob', record('bob'), 10);
    await dying.close(); // stops its keep-alive, as a killed instance
    const beat = () => heard.find((c) => c.refreshed && c.instance === alive.instance);
    await waitFor(() => beat() !== undefined, { what: "the live instance's keep-alive" });
    expect(beat()).toMatchObject({ prev: beat()!.version, set: [], ttlMs: 300 });
    await waitFor(async () => heard.some((c) => c.removed.some((r) => r.key === 'bob')), { what: "bob's expiry published" });
    const read = await alive.read('room', 'g', null);
    expect(read.entries!.map((e) => e.key)).toEqual(['ann']);
    await alive.remove('room', 'g', 'ann');
  });
});
