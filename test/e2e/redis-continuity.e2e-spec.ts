import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { StreamsMetrics } from 'nest-realtime-streams';
import { StreamsClient } from 'nest-realtime-streams-client';
import WebSocket from 'ws';
import { settle, strays, watch, writeLoop } from '../support/continuity';
import { groupView, keyedState } from '../support/group-view';
import { metricValue } from '../support/metrics-text';
import { describeRedis, ThrowawayRedis } from '../support/redis';
import { startStreamsApp, type StreamsTestApp } from '../support/streams-app';
import { type Frame, TestClient } from '../support/ws-client';

/**
 * SPEC §7.9, continuity under faults: after each Redis fault every connected client's view (built from the
 * frames it received, as the protocol says) equals the stored state, and where the server could not prove
 * the client got every event it was told with a `sync` flagged `continuityLost`. Each test runs its own
 * redis-server on a port of the range 7300–7399 reserved for these tests.
 */

const KEY_PREFIX = 'continuity';
const isSync = (f: Frame) => f.event?.type === 'sync';
const redisAdapter = (redis: ThrowawayRedis) => ({ type: 'redis' as const, url: redis.url, keyPrefix: KEY_PREFIX });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Live frames of a group's `counter` item whose value is not one up from the client's view of it (a sync sets the view). */
function counterJumps(frames: readonly Frame[], group: string): number {
  let view: number | undefined;
  let jumps = 0;
  for (const f of frames) {
    if (f.groupId !== group || f.id === undefined || !f.event) continue;
    if (f.event.type === 'sync') view = (f.event.data as Array<{ id: string; n: number }>).find((v) => v.id === 'counter')?.n;
    else if (f.id === 'counter') {
      const { n } = f.event.data as { n: number };
      if (n !== (view ?? 0) + 1) jumps++;
      view = n;
    }
  }
  return jumps;
}

describeRedis(
  'Continuity under Redis faults (SPEC §7.9)',
  () => {
    const apps: StreamsTestApp[] = [];
    const clients: TestClient[] = [];
    const admins: Redis[] = [];
    let redis: ThrowawayRedis | null = null;
    let child: ChildProcess | null = null;

    const admin = (server: ThrowawayRedis) => {
      const connection = new Redis(server.url, { maxRetriesPerRequest: 1 });
      admins.push(connection);
      return connection;
    };
    const startApps = async (server: ThrowawayRedis, count: number) => {
      const started = await Promise.all(Array.from({ length: count }, () => startStreamsApp({ adapter: redisAdapter(server) })));
      apps.push(...started);
      return started;
    };

    afterEach(async () => {
      for (const c of clients.splice(0)) c.close();
      if (child && child.exitCode === null) {
        child.kill('SIGKILL');
        await new Promise((r) => child!.once('exit', r));
      }
      child = null;
      // A frozen Redis would hold app.close() until its command timeout.
      redis?.signal('SIGCONT');
      await Promise.all(apps.splice(0).map((t) => t.app.close()));
      for (const a of admins.splice(0)) a.disconnect();
      await redis?.dispose();
      redis = null;
    });

    it('catches up quiet groups after the subscriber connection is killed: no client misses the first event written meanwhile', async () => {
      redis = await ThrowawayRedis.start({ port: 7301 });
      const [reader, writer] = await startApps(redis, 2);
      const watched = await Promise.all(Array.from({ length: 10 }, (_, i) => watch(reader.url, 'quiet', `g-${i}`, clients)));

      await admin(redis).client('KILL', 'TYPE', 'pubsub');
      await Promise.all(watched.map((w) => writer.service.set({ stream_name: 'quiet', group_id: w.group, item_id: 'first', data: { id: 'first', n: 1 } })));

      expect(await settle(writer.service, watched)).toEqual(watched.map(() => 0));
      // Proven continuity: the missed event was replayed from history, no re-sync was needed.
      expect(watched.map((w) => groupView(w.client.frames, w.stream, w.group).continuityLost)).toEqual(watched.map(() => 0));
      expect(strays(watched)).toEqual(watched.map(() => 0));
    });

    it.each([
      ['with persistence (appendonly yes, appendfsync always)', 7302, true],
      ['without persistence', 7303, false],
    ])('Redis killed and restarted under writes %s: every view equals the stored state, after a continuityLost sync', async (_label, port, persistent) => {
      redis = await ThrowawayRedis.start({ port, persistent });
      const [reader, writer] = await startApps(redis, 2);
      const groups = ['a', 'b', 'c', 'd', 'e'];
      // Thousands of items that a restart without persistence throws away.
      for (const group of groups) {
        await Promise.all(Array.from({ length: 400 }, (_, i) => writer.service.set({ stream_name: 'crash', group_id: group, item_id: `old-${i}`, data: { id: `old-${i}`, n: i } })));
      }
      const watched = await Promise.all(groups.map((g) => watch(reader.url, 'crash', g, clients)));
      const writes = writeLoop(writer.service, 'crash', groups);
      await sleep(200);

      // The subscriber is down at the moment of the crash: acknowledged writes made then reach no client live.
      await admin(redis).client('KILL', 'TYPE', 'pubsub');
      await Promise.all(groups.map((g) => writer.service.set({ stream_name: 'crash', group_id: g, item_id: 'acked', data: { id: 'acked', n: 0 } })));
      await redis.kill();
      await sleep(300);
      await redis.restart();
      await sleep(1000);
      const acked = await writes.stop();

      expect(acked).toBeGreaterThan(0);
      expect(await settle(writer.service, watched)).toEqual(watched.map(() => 0));
      for (const w of watched) expect(groupView(w.client.frames, w.stream, w.group).continuityLost).toBeGreaterThanOrEqual(1);
      expect(strays(watched)).toEqual(watched.map(() => 0));
      if (persistent) {
        for (const w of watched) expect(groupView(w.client.frames, w.stream, w.group).items.get('acked')).toEqual({ id: 'acked', n: 0 });
      }
    });

    it('no frame of the new history reaches a client before its continuityLost sync: Redis restarted without persistence under a hammer of increments', async () => {
      redis = await ThrowawayRedis.start({ port: 7308 });
      // The writer reconnects at once, the clients' instance later: its subscriber then catches up (and finds
      // the loss) while the new history is being written, as an instance whose backoff is further along does.
      const reconnectingAfter = (ms: number) => startStreamsApp({ adapter: { ...redisAdapter(redis!), options: { retryStrategy: () => ms } } });
      const [reader, writer] = await Promise.all([reconnectingAfter(600), reconnectingAfter(10)]);
      apps.push(reader, writer);
      const groups = Array.from({ length: 8 }, (_, i) => `g-${i}`);
      const increment = (group: string) =>
        writer.service.update({ stream_name: 'hammer', group_id: group, item_id: 'counter', ops: [{ type: 'set', path: 'id', value: 'counter' }, { type: 'increment', path: 'n', by: 1 }] });
      for (const group of groups) await increment(group);
      const watched = await Promise.all(groups.flatMap((g) => [0, 1, 2].map(() => watch(reader.url, 'hammer', g, clients))));
      // Four increments in flight per group from before the crash until well after the restart, so events of
      // the new history reach the reader's subscriber while it detects the loss.
      let hammering = true;
      const hammers = groups.flatMap((g) => [0, 1, 2, 3].map(async () => {
        while (hammering) await increment(g).catch(() => sleep(20));
      }));
      await sleep(300);
      await redis.kill();
      await sleep(200);
      await redis.restart();
      await sleep(1500);
      hammering = false;
      await Promise.all(hammers);
      // Redis kept nothing: every group's counter was written again, in the new history.
      for (const group of groups) expect(await writer.service.get({ stream_name: 'hammer', group_id: group, item_id: 'counter' })).not.toBeNull();

      expect(await settle(writer.service, watched)).toEqual(watched.map(() => 0));
      for (const w of watched) expect(groupView(w.client.frames, w.stream, w.group).continuityLost).toBeGreaterThanOrEqual(1);
      // Each live frame follows the client's view: the next position, and the counter one up from the view's.
      expect(strays(watched)).toEqual(watched.map(() => 0));
      expect(watched.map((w) => counterJumps(w.client.frames, w.group))).toEqual(watched.map(() => 0));
    });

    it('re-syncs the clients when Redis is emptied under them (FLUSHALL: a new history epoch, no reconnect)', async () => {
      redis = await ThrowawayRedis.start({ port: 7307 });
      const [reader, writer] = await startApps(redis, 2);
      const groups = ['a', 'b', 'c'];
      for (const group of groups) {
        await Promise.all(Array.from({ length: 50 }, (_, i) => writer.service.set({ stream_name: 'flush', group_id: group, item_id: `old-${i}`, data: { id: `old-${i}`, n: i } })));
      }
      const watched = await Promise.all(groups.map((g) => watch(reader.url, 'flush', g, clients)));
      // An item subscription beside the group one, on the same socket: it is re-synced too.
      watched[0].client.join('item', 'flush', 'a', 'old-0');
      expect(await watched[0].client.next((f) => isSync(f) && f.id === 'old-0')).toMatchObject({ event: { data: { id: 'old-0', n: 0 } } });

      await admin(redis).flushall();
      for (const group of groups) await writer.service.set({ stream_name: 'flush', group_id: group, item_id: 'new', data: { id: 'new', n: 1 } });

      expect(await settle(writer.service, watched)).toEqual(watched.map(() => 0));
      for (const w of watched) expect(groupView(w.client.frames, w.stream, w.group).continuityLost).toBe(1);
      // The first event of the new history reached no client before its re-sync.
      expect(strays(watched)).toEqual(watched.map(() => 0));
      expect(await watched[0].client.next((f) => isSync(f) && f.id === 'old-0')).toMatchObject({ event: { data: null, continuityLost: true } });
      expect(metricValue(await reader.app.get(StreamsMetrics).text(), 'streams_continuity_resyncs_total')).toBe(4);
    });

    it('re-syncs the clients of an instance frozen past the history window (Redis dropped its subscriber)', async () => {
      // A tiny pub/sub output buffer: Redis drops a subscriber that stops reading instead of buffering for it.
      redis = await ThrowawayRedis.start({ port: 7304, args: ['--client-output-buffer-limit', 'pubsub 64kb 32kb 1'] });
      const writer = await startStreamsApp({ adapter: redisAdapter(redis), history: { size: 100 } });
      apps.push(writer);
      child = spawn(process.execPath, ['-r', '@swc-node/register', join(__dirname, '../support/redis-instance.app.ts'), redis.url, KEY_PREFIX, '100'], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const port = await new Promise<number>((resolve, reject) => {
        let out = '';
        child!.stdout!.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = /port (\d+)/.exec(out);
          if (match) resolve(Number(match[1]));
        });
        child!.once('exit', (code) => reject(new Error(`instance exited with ${code}`)));
      });
      await writer.service.set({ stream_name: 'stall', group_id: 'g', item_id: 'seed', data: { id: 'seed', n: 0 } });
      const watched = await Promise.all([0, 1, 2].map(() => watch(`ws://127.0.0.1:${port}`, 'stall', 'g', clients)));

      child.kill('SIGSTOP');
      // 2,500 items, each followed by an 8 KB custom event (stored nothing): 20 MB is more than the kernel's
      // socket buffers take for the frozen process, so Redis's own buffer for it fills.
      const padding = 'x'.repeat(8000);
      for (let i = 0; i < 2500; i += 50) {
        await Promise.all(
          Array.from({ length: 50 }, async (_, k) => {
            await writer.service.set({ stream_name: 'stall', group_id: 'g', item_id: `i-${i + k}`, data: { id: `i-${i + k}`, n: i + k } });
            await writer.service.send({ stream_name: 'stall', group_id: 'g', type: 'padding', data: padding });
          }),
        );
      }
      // Redis gives up on the frozen subscriber once its output buffer passes the limit.
      const probe = admin(redis);
      const deadline = Date.now() + 10000;
      const subscribers = async () => ((await probe.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string).trim();
      while ((await subscribers()) !== '' && Date.now() < deadline) await sleep(100);
      expect(await subscribers()).toBe('');
      child.kill('SIGCONT');

      expect(await settle(writer.service, watched, 20000)).toEqual(watched.map(() => 0));
      for (const w of watched) expect(groupView(w.client.frames, w.stream, w.group).continuityLost).toBeGreaterThanOrEqual(1);
      expect(strays(watched)).toEqual(watched.map(() => 0));
    });

    it.each([
      ['down', 7305],
      ['frozen', 7306],
    ])('serves a join made while Redis is %s once Redis is back: a raw client and the typed client end in sync', async (state, port) => {
      redis = await ThrowawayRedis.start({ port });
      // A short command timeout so a frozen Redis fails the join quickly.
      const instance = await startStreamsApp({ adapter: { ...redisAdapter(redis), commandTimeoutMs: 500 } });
      apps.push(instance);
      await instance.service.set({ stream_name: 'outage', group_id: 'g', item_id: 'before', data: { id: 'before', n: 0 } });
      if (state === 'down') await redis.kill();
      else redis.signal('SIGSTOP');

      const raw = await TestClient.connect(`${instance.url}/`);
      clients.push(raw);
      raw.join('s1', 'outage', 'g');
      const typed = new StreamsClient({ url: `${instance.url}/`, WebSocket, reconnect: { initialDelayMs: 20, maxDelayMs: 200 } });
      const mirror = typed.subscribeGroup('outage', 'g');
      try {
        const failure = await raw.next((f) => f.type === 'error', 5000);
        expect(failure.error).toMatchObject({ code: 'snapshot_failed', subscriptionId: 's1' });

        if (state === 'down') await redis.restart();
        else redis.signal('SIGCONT');
        await instance.service.set({ stream_name: 'outage', group_id: 'g', item_id: 'after', data: { id: 'after', n: 1 } }).catch(async () => {
          await sleep(500);
          await instance.service.set({ stream_name: 'outage', group_id: 'g', item_id: 'after', data: { id: 'after', n: 1 } });
        });

        const watched = [{ client: raw, stream: 'outage', group: 'g' }];
        expect(await settle(instance.service, watched)).toEqual([0]);
        const stored = keyedState(await instance.service.list({ stream_name: 'outage', group_id: 'g' }));
        const end = Date.now() + 10000;
        while (!(mirror.synced && mirror.items.size === stored.size) && Date.now() < end) await sleep(50);
        expect(mirror.synced).toBe(true);
        expect(new Map(mirror.items)).toEqual(stored);
      } finally {
        typed.close();
      }
    });
  },
  { ownServer: true },
);
