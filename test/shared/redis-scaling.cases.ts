import { casCounter } from '../support/cas-counter';
import { uniquePrefix } from '../support/redis';
import type { RedisAdapterOptions } from '../../libs/streams/src/adapters/redis/redis-adapter.options';
import { startStreamsApp, type StreamsTestApp } from '../support/streams-app';
import { type Frame, TestClient } from '../support/ws-client';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const isSync = (f: Frame) => f.event?.type === 'sync';
export const isChange = (f: Frame) => f.event?.type !== 'sync';

/** Several Nest apps (one process, real sockets) sharing one Redis (or Cluster), as several deployed instances would. */
export async function startInstances(count: number, adapter: RedisAdapterOptions): Promise<StreamsTestApp[]> {
  return Promise.all(Array.from({ length: count }, () => startStreamsApp({ adapter })));
}

export async function joinedClient(app: StreamsTestApp, stream: string, group: string, clients: TestClient[]): Promise<TestClient> {
  const client = await TestClient.connect(`${app.url}/`);
  clients.push(client);
  client.join('s1', stream, group);
  await client.next(isSync);
  return client;
}

export async function stopAll(apps: StreamsTestApp[], clients: TestClient[]): Promise<void> {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(apps.splice(0).map((t) => t.app.close()));
}

/** Where the instances of one test meet: the adapter options for a key prefix, and how to clean it up. */
export interface SharedRedis {
  adapter(keyPrefix: string): RedisAdapterOptions;
  cleanup(keyPrefix: string): Promise<void>;
}

/** The cross-instance cases, run against one Redis server (redis-scaling) and against a Redis Cluster (redis-cluster). */
export function describeInstancesSharing(name: string, redis: () => SharedRedis): void {
  describe(name, () => {
    const prefix = uniquePrefix('scaling');
    const apps: StreamsTestApp[] = [];
    const clients: TestClient[] = [];
    let a: StreamsTestApp, b: StreamsTestApp, c: StreamsTestApp;

    beforeEach(async () => {
      apps.push(...(await startInstances(3, redis().adapter(prefix))));
      [a, b, c] = apps;
    });

    afterEach(async () => {
      await stopAll(apps, clients);
      await redis().cleanup(prefix);
    });

    it('shares state: a write on one instance is read, listed and updated on the others', async () => {
      const written = await a.service.set({ stream_name: 'state', group_id: 'g', item_id: 'i', data: { from: 'A' } });
      await expect(b.service.get({ stream_name: 'state', group_id: 'g', item_id: 'i' })).resolves.toEqual({ from: 'A' });
      await expect(b.service.getVersioned({ stream_name: 'state', group_id: 'g', item_id: 'i' })).resolves.toEqual({ value: { from: 'A' }, version: written.version });
      await expect(c.service.listAll()).resolves.toEqual({ stream: [{ id: 'state', groups: ['g'] }], count: 1 });
      const ops = [{ type: 'set' as const, path: 'by', value: 'C' }];
      await expect(c.service.update({ stream_name: 'state', group_id: 'g', item_id: 'i', ops, if_version: written.version })).resolves.toEqual({
        old_value: { from: 'A' },
        new_value: { from: 'A', by: 'C' },
        version: expect.any(String),
      });
      await expect(b.service.delete({ stream_name: 'state', group_id: 'g', item_id: 'i', if_version: written.version })).rejects.toMatchObject({ code: 'version_conflict' });
      await expect(b.service.delete({ stream_name: 'state', group_id: 'g', item_id: 'i' })).resolves.toEqual({ old_value: { from: 'A', by: 'C' }, version: expect.any(String) });
      await expect(a.service.listGroups({ stream_name: 'state' })).resolves.toEqual([]);
    });

    it('fans out writes from every instance to clients on every instance, all in one order, nothing lost', async () => {
      const watchers = await Promise.all(apps.map((t) => joinedClient(t, 'chat', 'room-1', clients)));
      const perInstance = 200;
      for (let i = 0; i < perInstance; i++) {
        await Promise.all(apps.map((t, n) => t.service.set({ stream_name: 'chat', group_id: 'room-1', item_id: `m-${n}-${i}`, data: { n, i } })));
      }
      const total = perInstance * apps.length;
      const received = await Promise.all(watchers.map(async (w) => (await w.waitForCount(total + 1, 20000)).filter(isChange)));
      const ids = received[0].map((f) => f.id);
      expect(new Set(ids).size).toBe(total);
      for (const frames of received) {
        expect(frames.map((f) => f.id)).toEqual(ids);
        for (let k = 1; k < frames.length; k++) expect(frames[k].timestamp!).toBeGreaterThan(frames[k - 1].timestamp!);
      }
      // Each instance's own writes keep the order it made them in.
      for (let n = 0; n < apps.length; n++) {
        expect(ids.filter((id) => id!.startsWith(`m-${n}-`))).toEqual(Array.from({ length: perInstance }, (_, i) => `m-${n}-${i}`));
      }
    });

    it('increments atomically from all instances: exact total, every intermediate value seen once', async () => {
      const watcher = await joinedClient(b, 'counters', 'g', clients);
      const perInstance = 100;
      const results = await Promise.all(
        apps.flatMap((t) =>
          Array.from({ length: perInstance }, () => t.service.update({ stream_name: 'counters', group_id: 'g', item_id: 'hits', ops: [{ type: 'increment', path: 'n', by: 1 }] })),
        ),
      );
      const total = perInstance * apps.length;
      await expect(c.service.get({ stream_name: 'counters', group_id: 'g', item_id: 'hits' })).resolves.toEqual({ n: total });
      const seen = results.map((r) => (r.new_value as { n: number }).n).sort((x, y) => x - y);
      expect(seen).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      const frames = (await watcher.waitForCount(total + 1)).filter(isChange);
      expect(frames.map((f) => (f.event!.data as { n: number }).n)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    });

    it('10 getVersioned / if_version writers split over two instances: every acknowledged increment applied once, none lost', async () => {
      const ref = { stream_name: 'cas', group_id: 'counter', item_id: 'n' };
      // Every 4th increment also loses its first answer and retries with its key: a replay, not a second write.
      const counter = casCounter([a.service, b.service], ref, 10, 10_000, { loseEvery: 4 });
      await sleep(1_000);
      const tally = await counter.stop();

      expect(tally).toMatchObject({ unanswered: 0, notReplayed: 0, retried: 0, rereads: 0 });
      expect(Object.keys(tally.refused)).toEqual(['version_conflict']);
      expect(tally.lost).toBeGreaterThan(0);
      const acked = [...tally.acked].sort((x, y) => x - y);
      expect(acked).toEqual(Array.from({ length: acked.length }, (_, i) => i + 1));
      expect(acked.length).toBeGreaterThan(10);
      await expect(c.service.getVersioned(ref)).resolves.toMatchObject({ value: acked.length });
    });

    it('resumes a client on another instance, after the one it was connected to went away', async () => {
      const first = await joinedClient(a, 'feed', 'g', clients);
      await b.service.set({ stream_name: 'feed', group_id: 'g', item_id: 'e0', data: 0 });
      const last = await first.next(isChange);
      first.close();
      await stopAll(apps.splice(apps.indexOf(a), 1), []);
      for (let i = 1; i <= 3; i++) await b.service.set({ stream_name: 'feed', group_id: 'g', item_id: `e${i}`, data: i });
      await c.service.send({ stream_name: 'feed', group_id: 'g', type: 'note', data: 'custom events too' });
      const again = await TestClient.connect(`${c.url}/`);
      clients.push(again);
      again.send({ type: 'join', data: { subscriptionId: 's1', streamName: 'feed', groupId: 'g', position: last.position } });
      const missed = [await again.next(), await again.next(), await again.next(), await again.next()];
      expect(missed.map((f) => f.id)).toEqual(['e1', 'e2', 'e3', null]);
      expect(await again.next()).toMatchObject({ type: 'resumed', replayed: 4, position: missed[3].position });
      await b.service.set({ stream_name: 'feed', group_id: 'g', item_id: 'live', data: 'after resume' });
      expect(await again.next()).toMatchObject({ id: 'live', event: { type: 'create', data: 'after resume' } });
    });

    it('keeps names with ":" apart across instances', async () => {
      const watcher = await joinedClient(c, 'a', 'b:c', clients);
      await a.service.set({ stream_name: 'a:b', group_id: 'c', item_id: 'i', data: 'stream a:b, group c' });
      await b.service.set({ stream_name: 'a', group_id: 'b:c', item_id: 'i:j', data: 'stream a, group b:c' });
      await b.service.set({ stream_name: 'a', group_id: 'b', item_id: 'c:i', data: 'stream a, group b' });
      const frame = await watcher.next(isChange);
      expect(frame).toMatchObject({ streamName: 'a', groupId: 'b:c', id: 'i:j', event: { type: 'create', data: 'stream a, group b:c' } });
      expect(await watcher.quiet()).toEqual([]);
      await expect(c.service.listGroups({ stream_name: 'a' }).then((g) => g.sort())).resolves.toEqual(['b', 'b:c']);
      await expect(a.service.listAll()).resolves.toEqual({
        stream: [
          { id: 'a', groups: ['b', 'b:c'] },
          { id: 'a:b', groups: ['c'] },
        ],
        count: 2,
      });
      await expect(c.service.get({ stream_name: 'a:b', group_id: 'c', item_id: 'i' })).resolves.toBe('stream a:b, group c');
    });
  });
}
