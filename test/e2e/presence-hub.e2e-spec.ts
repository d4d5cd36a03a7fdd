import { Redis } from 'ioredis';
import { enterRoom, presenceFrame, startPresenceApp } from '../support/presence.fixture';
import { deletePrefix, describeRedis, REDIS_URL, ThrowawayRedis, uniquePrefix } from '../support/redis';
import type { StreamsTestApp } from '../support/streams-app';
import { waitFor } from '../support/wait-for';
import { type Frame, TestClient } from '../support/ws-client';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (ms: number[]) => [...ms].sort((a, b) => a - b)[Math.floor(ms.length / 2)];

/** How long until `watcher` gets a presence frame matching `match`, from just before `act` runs. */
async function heardAfter(watcher: TestClient, match: (f: Frame) => boolean, act: () => void): Promise<number> {
  const heard = watcher.next(match, 2000);
  const start = performance.now();
  act();
  await heard;
  return performance.now() - start;
}

/** Presence changes travel as messages on the group's channel (docs/reference/protocol.md, "Across instances"). */
describeRedis('presence carried by the hub across instances, default options', () => {
  const prefix = uniquePrefix('presence-hub');
  const apps: StreamsTestApp[] = [];
  const clients: TestClient[] = [];

  afterAll(async () => {
    for (const c of clients.splice(0)) c.close();
    await Promise.all(apps.splice(0).map((a) => a.app.close()));
    await deletePrefix(prefix);
  });

  it('a join, a state update and a leave on one instance reach a watcher on the other within 150 ms (median within 60 ms)', async () => {
    for (let i = 0; i < 2; i++) apps.push(await startPresenceApp({ adapter: { type: 'redis', url: REDIS_URL, keyPrefix: prefix } }));
    const [a, b] = apps;
    const { client: watcher } = await enterRoom(a.url, 'watcher', 'lat', clients, true, '&watch');
    const users = await Promise.all(Array.from({ length: 24 }, async (_, i) => TestClient.connect(`${b.url}/?user=u${i}`)));
    clients.push(...users);
    const joins: number[] = [];
    const updates: number[] = [];
    const leaves: number[] = [];
    // Spaced past the 50 ms window, so each change is the first of a quiet spell and goes out at once.
    for (const [i, user] of users.entries()) {
      joins.push(await heardAfter(watcher, presenceFrame('join', `u${i}`), () => user.send({ type: 'join', data: { subscriptionId: 'p', streamName: 'room', groupId: 'lat', presence: true } })));
      await user.next((f) => f.event?.type === 'sync');
      await pause(60);
      updates.push(await heardAfter(watcher, presenceFrame('update', `u${i}`), () => user.send({ type: 'presence', data: { subscriptionId: 'p', state: { i } } })));
      await pause(60);
    }
    for (const [i, user] of users.entries()) {
      leaves.push(await heardAfter(watcher, presenceFrame('leave', `u${i}`), () => user.send({ type: 'leave', data: { subscriptionId: 'p', streamName: 'room', groupId: 'lat' } })));
      await pause(60);
    }
    const figures = Object.entries({ join: joins, update: updates, leave: leaves }).map(([what, ms]) => ({ what, median: median(ms), max: Math.max(...ms) }));
    console.log(`presence across instances (ms, ${users.length} each): ${figures.map((f) => `${f.what} median ${f.median.toFixed(1)} max ${f.max.toFixed(1)}`).join('; ')}`);
    for (const f of figures) {
      expect(f.median).toBeLessThanOrEqual(60);
      expect(f.max).toBeLessThanOrEqual(150);
    }
  });
});

/** An own server: the test watches every command an instance sends, and cuts its pub/sub connection. */
describeRedis(
  'presence on an own Redis: no polling, and a re-sync when the pub/sub link comes back',
  () => {
    let redis: ThrowawayRedis;
    let t: StreamsTestApp;
    let admin: Redis;
    const clients: TestClient[] = [];

    beforeAll(async () => {
      redis = await ThrowawayRedis.start();
      admin = new Redis(redis.url);
    });

    afterEach(async () => {
      for (const c of clients.splice(0)) c.close();
      await t?.app.close();
    });

    afterAll(async () => {
      admin.disconnect();
      await redis.dispose();
    });

    it('an idle instance watching 50 groups sends no command about their presence (no periodic poll)', async () => {
      t = await startPresenceApp({ adapter: { type: 'redis', url: redis.url } });
      await Promise.all(Array.from({ length: 50 }, (_, i) => enterRoom(t.url, `w${i}`, `g${i}`, clients, true, '&watch')));
      const observer = new Redis(redis.url);
      const monitor = await observer.monitor();
      const commands: string[][] = [];
      monitor.on('monitor', (_time: string, args: string[]) => commands.push(args));
      try {
        await pause(2000);
      } finally {
        monitor.disconnect();
        observer.disconnect();
      }
      const presence = commands.filter((args) => args.some((arg) => arg.endsWith(':presence')));
      console.log(`presence: an idle instance watching 50 groups sent ${commands.length} commands in 2 s, ${presence.length} about presence`);
      expect(presence).toEqual([]);
    });

    it('a change whose message was lost reaches the watcher once the pub/sub connection is back', async () => {
      t = await startPresenceApp({ adapter: { type: 'redis', url: redis.url } });
      const { client: watcher } = await enterRoom(t.url, 'watcher', 'lost', clients);
      const [zset] = await admin.keys('*:presence');
      // Another instance's member, written without its message (as if the message was lost on the way).
      const field = 'ghost\nzed';
      await admin.zadd(zset, Date.now() + 60_000, field);
      await admin.hset(`${zset}:records`, field, JSON.stringify({ data: { name: 'zed' }, state: null, at: Date.now() }));
      await admin.incr(`${zset}:version`);
      expect((await watcher.quiet(300)).filter((f) => f.type === 'presence')).toEqual([]);
      await admin.client('KILL', 'TYPE', 'pubsub');
      await watcher.next(presenceFrame('join', 'zed'), 3000);
      await waitFor(async () => (await t.service.presence({ stream_name: 'room', group_id: 'lost' })).length === 2, { what: 'the service to read both members' });
    });
  },
  { ownServer: true },
);
