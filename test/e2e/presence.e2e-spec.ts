import { backendCase, type BackendCase } from '../iii-clients/restartable-streams';
import { ChildLines } from '../support/child-lines';
import { enterRoom, listedKeys, presenceFrame, startPresenceApp } from '../support/presence.fixture';
import { deletePrefix, describeRedis, REDIS_URL, uniquePrefix } from '../support/redis';
import type { StreamsTestApp } from '../support/streams-app';
import { type Frame, TestClient } from '../support/ws-client';

const isSync = (f: Frame) => f.event?.type === 'sync';

/** Presence behaves the same on every adapter (docs/protocol.md, "Presence"). */
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
      await start({ maxUpdatesPerSecond: 3, maxStateBytes: 64 });
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

  const instance = async () => {
    const app = await startPresenceApp({ adapter: { type: 'redis', url: REDIS_URL, keyPrefix: prefix }, presence: { ttlMs: 1500, pollMs: 100 } });
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

  it('the members of a killed instance disappear within ttlMs plus pollMs', async () => {
    const a = await instance();
    const alice = await enterRoom(a.url, 'alice', 'y', clients);
    const ttlMs = 1500;
    child = ChildLines.start('presence-instance.app.ts', [REDIS_URL, prefix, String(7500 + (process.pid % 100)), String(ttlMs), '100']);
    const port = Number((await child.next()).split(' ')[1]);
    await enterRoom(`ws://127.0.0.1:${port}`, 'carol', 'y', clients);
    await alice.client.next(presenceFrame('join', 'carol'));
    await child.kill();
    const killedAt = Date.now();
    const left = await alice.client.next(presenceFrame('leave', 'carol'), 10_000);
    const after = Date.now() - killedAt;
    console.log(`presence: a killed instance's member left after ${after} ms (ttl ${ttlMs} ms, poll 100 ms)`);
    expect(left).toMatchObject({ count: 1 });
    // Its last refresh was at most ttl/3 before the kill: gone within ttl + poll, plus scheduling slack.
    expect(after).toBeLessThan(ttlMs + 100 + 1000);
    await expect(a.service.presence({ stream_name: 'room', group_id: 'y' })).resolves.toEqual([{ key: 'alice', data: { name: 'alice' }, state: null }]);
  });
});
