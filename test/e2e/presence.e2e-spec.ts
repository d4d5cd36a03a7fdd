import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { backendCase, type BackendCase } from '../iii-clients/restartable-streams';
import { ChildLines } from '../support/child-lines';
import { enterRoom, heardEvents, joinRoom, listedKeys, presenceEvents, presenceFrame, startPresenceApp } from '../support/presence.fixture';
import { deletePrefix, describeRedis, REDIS_URL, uniquePrefix } from '../support/redis';
import type { StreamsTestApp } from '../support/streams-app';
import { type Frame, TestClient } from '../support/ws-client';

const isSync = (f: Frame) => f.event?.type === 'sync';

/** Every log line written meanwhile, at any level (docs/reference/security.md: nothing a client does writes one). */
async function logLinesDuring(run: () => Promise<void>): Promise<string[]> {
  const levels = ['log', 'warn', 'error', 'debug', 'verbose', 'fatal'] as const;
  const spies = levels.map((level) => jest.spyOn(Logger.prototype, level));
  try {
    await run();
    return spies.flatMap((spy, i) => spy.mock.calls.map((args) => `${levels[i]}: ${String(args[0])}`));
  } finally {
    spies.forEach((spy) => spy.mockRestore());
  }
}

/** Presence behaves the same on every adapter (docs/reference/protocol.md, "Presence"). */
describe.each(['memory', 'file', 'redis'] as const)('presence per group on the %s adapter', (name) => {
  const run = name === 'redis' ? describeRedis : (title: string, fn: () => void) => describe(title, fn);
  run(`${name}`, () => {
    let backend: BackendCase;
    let t: StreamsTestApp;
    const clients: TestClient[] = [];

    const start = async (presence: Record<string, number> = {}) => {
      backend = backendCase(name);
      t = await startPresenceApp({ adapter: backend.options(), presence });
    };

    afterEach(async () => {
      for (const c of clients.splice(0)) c.close();
      await t.app.close();
      await backend.cleanup();
    });

    it('join, state update, leave and disconnect reach the other members; the sync lists who is there; the service reads it', async () => {
      await start();
      const alice = await enterRoom(t.url, 'alice', 'r1', clients);
      expect(alice.sync.event!.presence).toEqual({ count: 1, members: [{ key: 'alice', data: { name: 'alice' }, state: null }] });

      const bob = await enterRoom(t.url, 'bob', 'r1', clients);
      expect(listedKeys(bob.sync)).toEqual(['alice', 'bob']);
      const joined = await alice.client.next(presenceFrame('join', 'bob'));
      expect(joined).toMatchObject({ subscriptionId: 'p', streamName: 'room', groupId: 'r1', count: 2, event: { member: { key: 'bob', data: { name: 'bob' }, state: null } } });

      bob.client.send({ type: 'presence', data: { subscriptionId: 'p', state: { typing: true } } });
      expect(await alice.client.next(presenceFrame('update', 'bob'))).toMatchObject({ event: { member: { state: { typing: true } } } });
      await expect(t.service.presence({ stream_name: 'room', group_id: 'r1' })).resolves.toEqual(
        expect.arrayContaining([{ key: 'bob', data: { name: 'bob' }, state: { typing: true } }]),
      );

      bob.client.send({ type: 'leave', data: { subscriptionId: 'p', streamName: 'room', groupId: 'r1' } });
      expect(await alice.client.next(presenceFrame('leave', 'bob'))).toMatchObject({ count: 1 });

      const carol = await enterRoom(t.url, 'carol', 'r1', clients);
      await alice.client.next(presenceFrame('join', 'carol'));
      carol.client.close(); // no leave message: the socket just goes
      expect(await alice.client.next(presenceFrame('leave', 'carol'))).toMatchObject({ count: 1 });
      await expect(t.service.presence({ stream_name: 'room', group_id: 'r1' })).resolves.toEqual([{ key: 'alice', data: { name: 'alice' }, state: null }]);
    });

    it('one member per user however many sockets: the member leaves with the last of them', async () => {
      await start();
      const watcher = await enterRoom(t.url, 'watcher', 'r2', clients);
      const first = await enterRoom(t.url, 'alice', 'r2', clients);
      await watcher.client.next(presenceFrame('join', 'alice'));
      const second = await enterRoom(t.url, 'alice', 'r2', clients);
      expect(listedKeys(second.sync)).toEqual(['alice', 'watcher']);
      first.client.close();
      second.client.send({ type: 'presence', data: { subscriptionId: 'p', state: 'still here' } });
      // The second socket still holds alice: the next thing the watcher hears is her update, not a leave.
      expect((await watcher.client.next((f) => f.type === 'presence')).event).toMatchObject({ type: 'update', member: { key: 'alice', state: 'still here' } });
      second.client.close();
      expect(await watcher.client.next(presenceFrame('leave', 'alice'))).toMatchObject({ count: 1 });
    });

    it('counts-only: asked with presence "count", or past maxListedMembers, the sync and events carry the count, no members', async () => {
      await start({ maxListedMembers: 2 });
      const counter = await enterRoom(t.url, 'counter', 'r3', clients, 'count');
      expect(counter.sync.event!.presence).toEqual({ count: 1 });
      const lister = await enterRoom(t.url, 'lister', 'r3', clients);
      expect(await counter.client.next((f) => f.type === 'presence')).toMatchObject({ event: { type: 'count' }, count: 2 });
      expect(listedKeys(lister.sync)).toEqual(['counter', 'lister']);
      await enterRoom(t.url, 'third', 'r3', clients);
      // Past the bound the lister's view is replaced by counts only.
      expect(await lister.client.next((f) => f.type === 'presence')).toEqual(expect.objectContaining({ event: { type: 'list', count: 3 }, count: 3 }));
      expect(await counter.client.next((f) => f.type === 'presence')).toMatchObject({ event: { type: 'count' }, count: 3 });
    });

    it('bounds presence updates per socket (rate and size) with error frames', async () => {
      await start({ updatesPerSecond: 3, maxStateBytes: 64 });
      const alice = await enterRoom(t.url, 'alice', 'r4', clients);
      for (let i = 0; i < 10; i++) alice.client.send({ type: 'presence', data: { subscriptionId: 'p', state: { i } } });
      alice.client.send({ type: 'presence', data: { subscriptionId: 'p', state: 'x'.repeat(100) } });
      alice.client.send({ type: 'presence', data: { subscriptionId: 'nope', state: 1 } });
      const errors = await Promise.all(Array.from({ length: 9 }, () => alice.client.next((f) => f.type === 'error'))).catch(() => null);
      const codes = (errors ?? alice.client.frames.filter((f) => f.type === 'error')).map((f) => f.error!.code);
      const limited = codes.filter((c) => c === 'presence_rate_limited').length;
      // A burst of 3 goes through (a 4th if the bucket refilled meanwhile); every other update is refused.
      expect(limited).toBeGreaterThanOrEqual(6);
      expect(limited).toBeLessThanOrEqual(7);
      expect(codes).toContain('presence_too_large');
      expect(codes).toContain('presence_not_member');
    });

    it('clients that do not ask see nothing new: no presence field, no presence frames', async () => {
      await start();
      const plain = await TestClient.connect(`${t.url}/?user=plain`);
      clients.push(plain);
      plain.join('s', 'room', 'r5');
      const sync = await plain.next(isSync);
      expect(Object.keys(sync.event!).sort()).toEqual(['data', 'type']);
      await enterRoom(t.url, 'alice', 'r5', clients);
      expect((await plain.quiet(300)).filter((f) => f.type !== 'stream')).toEqual([]);
    });

    it('a user joining from two sockets at the same moment stays a member until the last of them leaves', async () => {
      await start();
      const watcher = await enterRoom(t.url, 'watcher', 'r6', clients);
      for (let round = 0; round < 3; round++) {
        const user = `twin${round}`;
        const [a, b] = await Promise.all([TestClient.connect(`${t.url}/?user=${user}`), TestClient.connect(`${t.url}/?user=${user}`)]);
        clients.push(a, b);
        joinRoom(a, 'r6');
        joinRoom(b, 'r6');
        await Promise.all([a.next(isSync), b.next(isSync)]);
        await watcher.client.next(presenceFrame('join', user));
        a.close();
        b.send({ type: 'presence', data: { subscriptionId: 'p', state: { round } } });
        // The other socket still holds the member: the watcher hears its update, not a leave.
        const heard = presenceEvents(await watcher.client.next((f) => presenceEvents(f).some((e) => e.member?.key === user)));
        expect(heard.filter((e) => e.member?.key === user)).toEqual([{ type: 'update', member: { key: user, data: { name: user }, state: { round } } }]);
        b.close();
        await watcher.client.next(presenceFrame('leave', user));
        expect(b.frames.filter((f) => f.type === 'error')).toEqual([]);
      }
    });

    it('a refresh that makes the socket another user: it sees its own leave and join, like the others', async () => {
      await start();
      const other = await enterRoom(t.url, 'other', 'r7', clients);
      const me = await enterRoom(t.url, 'ann', 'r7', clients, true, '&refreshable');
      await other.client.next(presenceFrame('join', 'ann'));
      me.client.send({ type: 'refresh', data: { token: 'zed' } });
      for (const { client } of [other, me]) await heardEvents(client, ['leave ann', 'join zed']);
      const latecomer = await enterRoom(t.url, 'late', 'r7', clients);
      expect(listedKeys(latecomer.sync)).toEqual(['late', 'other', 'zed']);
    });

    it('a subscription a refresh revokes gets nothing after its unauthorized', async () => {
      await start();
      let writing = true;
      const writer = (async () => {
        for (let i = 0; writing; i++) await t.service.set({ stream_name: 'room', group_id: 'r8', item_id: `i${i % 5}`, data: { i } });
      })();
      try {
        for (let round = 0; round < 3; round++) {
          const { client } = await enterRoom(t.url, `ann${round}`, 'r8', clients, true, '&refreshable');
          await client.next((f) => f.event?.type === 'create' || f.event?.type === 'update');
          client.send({ type: 'refresh', data: { token: `revoked${round}` } });
          await client.next((f) => f.event?.type === 'unauthorized');
          const at = client.frames.findIndex((f) => f.event?.type === 'unauthorized');
          await client.quiet(200);
          expect(client.frames.slice(at + 1).filter((f) => f.groupId === 'r8')).toEqual([]);
        }
      } finally {
        writing = false;
        await writer;
      }
    });

    it('refuses a presence state nested deeper than the bound with an error frame, and writes no log line', async () => {
      await start();
      const alice = await enterRoom(t.url, 'alice', 'r9', clients);
      const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
      const lines = await logLinesDuring(async () => {
        for (let i = 0; i < 20; i++) alice.client.send(`{"type":"presence","data":{"subscriptionId":"p","state":${nested(100_000)}}}`);
        for (let i = 0; i < 20; i++) expect((await alice.client.next((f) => f.type === 'error')).error).toMatchObject({ code: 'invalid_field', field: 'data.state' });
        // At the bound it is a state like any other.
        alice.client.send(`{"type":"presence","data":{"subscriptionId":"p","state":${nested(32)}}}`);
        await alice.client.next(presenceFrame('update', 'alice'));
      });
      expect(lines).toEqual([]);
    });
  });
});

describeRedis('presence across instances on one Redis', () => {
  const prefix = uniquePrefix('presence');
  const apps: StreamsTestApp[] = [];
  const clients: TestClient[] = [];
  let child: ChildLines | null = null;

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await child?.kill();
    child = null;
    await Promise.all(apps.splice(0).map((a) => a.app.close()));
    await deletePrefix(prefix);
  });

  // No sweep within a test (sweepIntervalMs): every change here travels as a message, every expiry by its own timer.
  const instance = async (presence = { ttlMs: 1500, sweepIntervalMs: 600_000 }) => {
    const app = await startPresenceApp({ adapter: { type: 'redis', url: REDIS_URL, keyPrefix: prefix, presence } });
    apps.push(app);
    return app;
  };

  it('members on two instances see each other, and one user on both instances is one member', async () => {
    const [a, b] = [await instance(), await instance()];
    const alice = await enterRoom(a.url, 'alice', 'x', clients);
    const bob = await enterRoom(b.url, 'bob', 'x', clients);
    expect(listedKeys(bob.sync)).toEqual(['alice', 'bob']);
    await alice.client.next(presenceFrame('join', 'bob'));
    const bobAgain = await enterRoom(a.url, 'bob', 'x', clients);
    expect(listedKeys(bobAgain.sync)).toEqual(['alice', 'bob']);
    bob.client.close();
    bobAgain.client.send({ type: 'presence', data: { subscriptionId: 'p', state: { typing: true } } });
    const next = await alice.client.next((f) => f.type === 'presence');
    expect(next).toMatchObject({ event: { type: 'update', member: { key: 'bob', state: { typing: true } } }, count: 2 });
    await expect(b.service.presence({ stream_name: 'room', group_id: 'x' })).resolves.toHaveLength(2);
  });

  it('the members of a killed instance disappear within ttlMs, without a sweep', async () => {
    const a = await instance();
    const alice = await enterRoom(a.url, 'alice', 'y', clients);
    const ttlMs = 1500;
    child = ChildLines.start('presence-instance.app.ts', [REDIS_URL, prefix, String(7500 + (process.pid % 100)), String(ttlMs), '600000']);
    const port = Number((await child.next()).split(' ')[1]);
    await enterRoom(`ws://127.0.0.1:${port}`, 'carol', 'y', clients);
    await alice.client.next(presenceFrame('join', 'carol'));
    await child.kill();
    const killedAt = Date.now();
    const left = await alice.client.next(presenceFrame('leave', 'carol'), 10_000);
    const after = Date.now() - killedAt;
    console.log(`presence: a killed instance's member left after ${after} ms (ttl ${ttlMs} ms, no sweep)`);
    expect(left).toMatchObject({ count: 1 });
    // Its last refresh was at most ttl/3 before the kill: gone within ttl once its expiry passed, plus scheduling slack.
    expect(after).toBeLessThan(ttlMs + 1000);
    await expect(a.service.presence({ stream_name: 'room', group_id: 'y' })).resolves.toEqual([{ key: 'alice', data: { name: 'alice' }, state: null }]);
  });

  it('versions never repeat: after a group emptied and its keys expired, a watcher on another instance still sees the next member', async () => {
    const ttlMs = 300;
    const a = await instance({ ttlMs, sweepIntervalMs: 600_000 });
    // b keeps the group's version from before it emptied: the counter that starts after its keys expired must
    // not look older to it (b would skip bob's join as a change it already has).
    const b = await instance({ ttlMs, sweepIntervalMs: 600_000 });
    const readOnB = (user: string) => enterRoom(b.url, user, 'v', clients, true, '&watch');
    const watcher = await readOnB('w1');
    const alice = await enterRoom(a.url, 'alice', 'v', clients);
    alice.client.close();
    await new Promise((r) => setTimeout(r, 200));
    expect((await readOnB('w2')).sync.event!.presence).toEqual({ count: 0, members: [] });
    // The group is empty: its keys go, the version's last (it expires twice the ttl after the last write).
    const redis = new Redis(REDIS_URL);
    try {
      const [version] = await redis.keys(`${prefix}*presence:version`);
      expect(version).toBeDefined();
      for (let waited = 0; (await redis.exists(version)) === 1; waited += 50) {
        expect(waited).toBeLessThan(5000);
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      redis.disconnect();
    }
    const bob = await enterRoom(a.url, 'bob', 'v', clients);
    bob.client.send({ type: 'presence', data: { subscriptionId: 'p', state: 'here' } });
    await bob.client.next(presenceFrame('update', 'bob'));
    // As many changes since the group emptied as before it: a restarted counter would be back at the version b has.
    expect(listedKeys((await readOnB('w3')).sync)).toEqual(['bob']);
    await watcher.client.next(presenceFrame('join', 'bob'));
  });
});

describe('presence update storms are bounded per group (memory adapter)', () => {
  const clients: TestClient[] = [];
  afterEach(() => clients.splice(0).forEach((c) => c.close()));

  it('members updating within their budget: each watcher gets at most the documented frames and bytes per second; a bystander still gets all of its frames', async () => {
    const bytesPerSecond = 32 * 1024;
    const t = await startPresenceApp({ presence: { bytesPerSecond } });
    try {
      const members = await Promise.all(Array.from({ length: 30 }, (_, i) => enterRoom(t.url, `m${i}`, 'storm', clients)));
      const bystander = await TestClient.connect(`${t.url}/?user=bystander`);
      clients.push(bystander);
      bystander.join('b', 'room', 'calm');
      await bystander.next(isSync);
      await new Promise((r) => setTimeout(r, 300)); // the joins' own frames are out
      const before = members.map(({ client }) => client.frames.length);
      const state = 'x'.repeat(1000);
      const seconds = 2;
      const startedAt = Date.now();
      let tick = 0;
      let writes = 0;
      // 15 updates per second per member (within the 20 allowed), 1 KB each; 20 writes per second to another group.
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          tick++;
          for (const { client } of members) client.send({ type: 'presence', data: { subscriptionId: 'p', state: `${tick}${state}` } });
          if (tick % 3 === 0) void t.service.set({ stream_name: 'room', group_id: 'calm', item_id: `i${writes++}`, data: { n: writes } });
          if (Date.now() - startedAt >= seconds * 1000) {
            clearInterval(timer);
            resolve();
          }
        }, 1000 / 15);
      });
      // Every member's last state reaches every watcher (coalesced, never lost) within one more window.
      const received = () => members.map(({ client }, i) => client.frames.slice(before[i]).filter((f) => f.type === 'presence'));
      const last = `${tick}${state}`;
      const caughtUp = (r: Frame[]) => new Set(r.flatMap(presenceEvents).filter((e) => e.member?.state === last).map((e) => e.member!.key)).size === members.length;
      for (let waited = 0; !received().every(caughtUp) && waited < 3000; waited += 50) await new Promise((r) => setTimeout(r, 50));
      const elapsed = (Date.now() - startedAt) / 1000;
      expect(received().every(caughtUp)).toBe(true);
      const frames = Math.max(...received().map((r) => r.length));
      const bytes = Math.max(...received().map((r) => r.reduce((sum, f) => sum + Buffer.byteLength(JSON.stringify(f)), 0)));
      console.log(`presence storm: ${members.length * tick} updates by ${members.length} members in ${seconds} s; per watcher at most ${frames} frames, ${bytes} bytes in ${elapsed.toFixed(1)} s`);
      // At most one frame per 50 ms window, and the bytes budget plus the one window that spends it first.
      expect(frames).toBeLessThanOrEqual(Math.ceil(elapsed * 20) + 1);
      expect(bytes).toBeLessThanOrEqual(bytesPerSecond * elapsed + members.length * 1100);
      await bystander.waitForCount(1 + writes);
      expect(bystander.frames.filter((f) => f.event?.type === 'create')).toHaveLength(writes);
    } finally {
      await t.app.close();
    }
  });
});
