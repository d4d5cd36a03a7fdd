import { Logger } from '@nestjs/common';
import { RedisStreamAdapter } from '../../libs/streams/src/adapters/redis/redis.adapter';
import { connectRedis, createRedisCluster, resolveRedisSettings } from '../../libs/streams/src/adapters/redis/redis-client.factory';
import { RedisClusterSubscribers } from '../../libs/streams/src/adapters/redis/redis-cluster.subscribers';
import type { RedisAdapterOptions } from '../../libs/streams/src/adapters/redis/redis-adapter.options';
import { clusterSlot } from '../../libs/streams/src/adapters/redis/redis-cluster.slot';
import { RedisKeyspace } from '../../libs/streams/src/adapters/redis/redis.keys';
import { describeAdapterContract } from '../shared/adapter-contract';
import { describeInstancesSharing, isChange, joinedClient, startInstances, stopAll } from '../shared/redis-scaling.cases';
import { casCounter } from '../support/cas-counter';
import { settle, strays, watch, type Watched, writeLoop } from '../support/continuity';
import { groupView } from '../support/group-view';
import { startDemoApp } from '../support/demo-app';
import { describeRedis, uniquePrefix } from '../support/redis';
import { redisCliInstalled, ThrowawayCluster } from '../support/redis-cluster';
import type { StreamsTestApp } from '../support/streams-app';
import { TestClient } from '../support/ws-client';

/**
 * The Redis adapter on a real Redis Cluster (3 masters + 3 replicas of local redis-server processes on ports
 * 7400–7405, built once for this file): the adapter contract, the cross-instance cases, and a failover and a
 * slot migration under writes (SPEC §7.9: views equal the stored state or the clients were told).
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** How long one write may take through a failover: the command timeout plus the bounded redirection retries. */
const WRITE_BOUND_MS = 8000;

describeRedis(
  'Redis adapter on a Redis Cluster',
  () => {
    let cluster: ThrowawayCluster;
    const options = (keyPrefix: string): RedisAdapterOptions => ({ type: 'redis', cluster: { nodes: cluster.nodes.slice(0, 3) }, keyPrefix });

    beforeAll(async () => {
      if (!redisCliInstalled()) throw new Error('redis-cli is not installed (package redis-tools): it builds the test Cluster');
      cluster = await ThrowawayCluster.start(7400);
    }, 60000);

    afterAll(async () => {
      await cluster?.dispose();
    });

    let prefix = uniquePrefix('cluster');
    describeAdapterContract('redis cluster', {
      create: (history, idempotency, expiry) => {
        prefix = uniquePrefix('cluster');
        return RedisStreamAdapter.connect(options(prefix), history, idempotency, expiry);
      },
      peer: () => RedisStreamAdapter.connect(options(prefix)),
      // An app restart: a new adapter on the same Cluster (versions, records and expiries are in it).
      reopen: async (adapter) => {
        await adapter.close();
        return RedisStreamAdapter.connect(options(prefix));
      },
      heldGroups: async () => {
        const tags = (await cluster.keys(`${prefix}:{*`)).map((key) => key.slice(key.indexOf('{') + 1, key.indexOf('}')));
        return [...new Set(tags.map((tag) => (JSON.parse(Buffer.from(tag, 'base64url').toString('utf8')) as [string, string])[1]))].sort();
      },
      cleanup: () => cluster.deletePrefix(prefix),
      ordered: false,
      keysBoundedInTotal: false,
    });

    describeInstancesSharing('a Redis Cluster', () => ({ adapter: options, cleanup: (keyPrefix) => cluster.deletePrefix(keyPrefix) }));

    describe('Cluster specifics', () => {
      const apps: StreamsTestApp[] = [];
      const clients: TestClient[] = [];
      let keyPrefix: string;

      beforeEach(() => {
        keyPrefix = uniquePrefix('cluster-e2e');
      });

      afterEach(async () => {
        await stopAll(apps, clients);
        await cluster.deletePrefix(keyPrefix);
      });

      it('subscribes through ONE connection per master (not per group), and nothing ran KEYS', async () => {
        const adapter = await RedisStreamAdapter.connect(options(keyPrefix));
        try {
          const keys = new RedisKeyspace(keyPrefix);
          const groups = Array.from({ length: 30 }, (_, i) => `g-${i}`);
          const offs = await Promise.all(groups.map((g) => adapter.watch('s', g)));
          const masters = await cluster.masters();
          const serving = masters.filter((m) => groups.some((g) => m.slots.some(([a, b]) => clusterSlot(keys.group('s', g).channel) >= a && clusterSlot(keys.group('s', g).channel) <= b)));
          expect(serving.length).toBeGreaterThanOrEqual(2);
          for (const m of masters) {
            const pubsub = String(await cluster.on(m.port, 'CLIENT', 'LIST', 'TYPE', 'pubsub')).trim();
            expect(pubsub === '' ? 0 : pubsub.split('\n').length).toBe(serving.includes(m) ? 1 : 0);
          }
          for (const off of offs) await off();
          for (const m of masters) expect(String(await cluster.on(m.port, 'INFO', 'commandstats'))).not.toMatch(/cmdstat_keys:/);
        } finally {
          await adapter.close();
        }
      });

      it('an unsubscribe racing its own SSUBSCRIBE leaves no subscription on the master', async () => {
        const settings = resolveRedisSettings(options(keyPrefix));
        const client = createRedisCluster(settings);
        await connectRedis(client, settings);
        const link = new RedisClusterSubscribers(client, settings.options, settings.connectTimeoutMs, new Logger('test'));
        link.attach({ message: () => undefined, displaced: () => undefined });
        const channel = new RedisKeyspace(keyPrefix).group('s', 'racing').channel;
        const { port } = await cluster.ownerOf(clusterSlot(channel));
        const subscribers = async () => ((await cluster.on(port, 'PUBSUB', 'SHARDNUMSUB', channel)) as [string, number])[1];
        try {
          const subscribing = link.ssubscribe(channel);
          await link.sunsubscribe(channel);
          await subscribing;
          const end = Date.now() + 1000;
          while ((await subscribers()) !== 0 && Date.now() < end) await sleep(20);
          expect(await subscribers()).toBe(0);
        } finally {
          await link.close();
          client.disconnect();
        }
      });

      it('keeps the group index exact across masters under racing creates and deletes from two instances', async () => {
        const [a, b] = [await RedisStreamAdapter.connect(options(keyPrefix)), await RedisStreamAdapter.connect(options(keyPrefix))];
        const raw = cluster.client();
        const keys = new RedisKeyspace(keyPrefix);
        try {
          for (let round = 0; round < 60; round++) {
            const group = `g-${round % 3}`;
            await Promise.all([a.set('race', group, 'i', round), b.delete('race', group, 'i'), b.set('race', 'other', 'i', round), a.listAll()]);
            const exists = await Promise.all(['g-0', 'g-1', 'g-2', 'other'].map(async (g) => ((await a.get('race', g, 'i')) !== null ? g : null)));
            const live = exists.filter((g): g is string => g !== null).sort();
            // A group holding items is always indexed, and so is its stream; a listing clears what a race left.
            for (const g of live) expect(await raw.sismember(keys.groups('race'), g)).toBe(1);
            expect(await raw.sismember(keys.streams, 'race')).toBe(1);
            expect((await b.listGroups('race')).sort()).toEqual(live);
          }
        } finally {
          raw.disconnect();
          await Promise.all([a.close(), b.close()]);
        }
      });

      it('the demo runs on the Cluster with REDIS_CLUSTER_NODES as its one switch: two demo instances share the chat', async () => {
        const nodes = cluster.nodes.slice(0, 3).map((url) => url.replace('redis://', '')).join(',');
        const demos = [await startDemoApp({ STREAMS_ADAPTER: '', REDIS_CLUSTER_NODES: nodes }), await startDemoApp({ STREAMS_ADAPTER: '', REDIS_CLUSTER_NODES: nodes })];
        try {
          expect(demos[0].config.streams.adapter).toMatchObject({ type: 'redis', cluster: { nodes: cluster.nodes.slice(0, 3) } });
          const posted = await fetch(`${demos[0].httpUrl}/chat/cluster-room/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ author: 'ann', text: 'hi' }) });
          expect(posted.status).toBe(201);
          const read = (await (await fetch(`${demos[1].httpUrl}/chat/cluster-room/messages`)).json()) as Array<{ text: string }>;
          expect(read.map((m) => m.text)).toEqual(['hi']);
        } finally {
          await Promise.all(demos.map((d) => d.app.close()));
          await cluster.deletePrefix('streams');
        }
      });

      /** A busy group's slot is disturbed under writes; afterwards every view equals the stored state (or was told), and resume works on the other instance. */
      async function survives(disturb: (slot: number) => Promise<void>): Promise<void> {
        const [reader, writer] = await startInstances(2, options(keyPrefix));
        apps.push(reader, writer);
        const groups = ['a', 'b', 'c', 'd', 'e', 'f'];
        const watched: Watched[] = await Promise.all(groups.map((g) => watch(reader.url, 'busy', g, clients)));
        const resumer = await joinedClient(reader, 'feed', 'r', clients);
        await writer.service.set({ stream_name: 'feed', group_id: 'r', item_id: 'e0', data: 0 });
        const last = await resumer.next(isChange);
        resumer.close();

        // Eight writes in flight: the new master's events keep arriving while the reader's subscriber follows the slot.
        const writes = writeLoop(writer.service, 'busy', groups, 8);
        await sleep(300);
        await disturb(clusterSlot(new RedisKeyspace(keyPrefix).group('busy', 'a').channel));
        await cluster.waitHealthy();
        await sleep(1500);
        const acked = await writes.stop();

        expect(acked).toBeGreaterThan(0);
        expect(writes.slowestMs).toBeLessThan(WRITE_BOUND_MS);
        expect(await settle(writer.service, watched, 20000)).toEqual(watched.map(() => 0));
        // Group `a` (the disturbed slot) restarted its history on its new master: its client was told.
        expect(groupView(watched[0].client.frames, 'busy', 'a').continuityLost).toBeGreaterThanOrEqual(1);
        // No client applied a frame to a view it does not follow (the new history before its re-sync).
        expect(strays(watched)).toEqual(watched.map(() => 0));
        // Every client is still joined and live: a write after the fault reaches its view (live, or in a re-sync).
        await Promise.all(groups.map((g) => writer.service.set({ stream_name: 'busy', group_id: g, item_id: 'after', data: { id: 'after', n: -1 } })));
        expect(await settle(writer.service, watched, 10000)).toEqual(watched.map(() => 0));
        for (const w of watched) expect(groupView(w.client.frames, w.stream, w.group).items.get('after')).toEqual({ id: 'after', n: -1 });

        for (let i = 1; i <= 3; i++) await writer.service.set({ stream_name: 'feed', group_id: 'r', item_id: `e${i}`, data: i });
        const again = await TestClient.connect(`${writer.url}/`);
        clients.push(again);
        again.send({ type: 'join', data: { subscriptionId: 's1', streamName: 'feed', groupId: 'r', position: last.position } });
        const first = await again.next(undefined, 10000);
        // Resumed from history, or (the group's history restarted with its new master) told to re-sync.
        if (first.type === 'resumed' || first.event?.type !== 'sync') {
          const replayed = [first, await again.next(), await again.next()];
          expect(replayed.map((f) => f.id)).toEqual(['e1', 'e2', 'e3']);
        } else {
          expect(first.event).toMatchObject({ type: 'sync', continuityLost: true });
          expect(groupView(again.frames, 'feed', 'r').items.size).toBe(4);
        }
      }

      it('a slot migrated (with its keys) under writes: writers never hang, views equal the stored state or were told, resume works', async () => {
        await survives(async (slot) => void (await cluster.migrateSlot(slot)));
      }, 60000);

      it('a master killed under writes (replica promoted): writers never hang, views equal the stored state or were told, resume works', async () => {
        await survives(async (slot) => void (await cluster.killMasterOf(slot)));
      }, 60000);

      it('10 if_version + idempotency_key writers on two instances through a master kill: every increment acknowledged and present or refused with a code, none lost, none doubled', async () => {
        // A tighter command timeout than the default: a write cut by the kill is answered (and retried) sooner.
        apps.push(...(await startInstances(2, { ...options(keyPrefix), commandTimeoutMs: 1000 })));
        await cluster.revive();
        const ref = { stream_name: 'cas', group_id: 'counter', item_id: 'n' };
        const counter = casCounter(apps.map((a) => a.service), ref, 10, WRITE_BOUND_MS, { loseEvery: 4 });
        await sleep(500);
        await cluster.killMasterOf(clusterSlot(new RedisKeyspace(keyPrefix).group(ref.stream_name, ref.group_id).channel));
        await sleep(500);
        const tally = await counter.stop();

        expect(tally.unanswered).toBe(0);
        expect(tally.slowestMs).toBeLessThan(WRITE_BOUND_MS);
        // Refused only by the condition: no other code (a reused key would be a bug of the retry itself).
        expect(Object.keys(tally.refused).filter((code) => code !== 'version_conflict')).toEqual([]);
        // The kill cut calls in flight (writes retried with their key); every 4th increment also lost its reply.
        expect(tally.retried + tally.rereads).toBeGreaterThan(0);
        expect(tally.lost).toBeGreaterThan(0);
        // A retry of an applied write got the first answer back (same version), it did not apply again.
        expect(tally.notReplayed).toBe(0);
        const acked = [...tally.acked].sort((x, y) => x - y);
        // Each acknowledged increment wrote the next value exactly once: none lost, none doubled.
        expect(acked).toEqual(Array.from({ length: acked.length }, (_, i) => i + 1));
        expect(acked.length).toBeGreaterThan(10);
        await expect(apps[1].service.get(ref)).resolves.toBe(acked.length);
      }, 60000);
    });
  },
  { ownServer: true },
);
