import { ForbiddenException, Injectable } from '@nestjs/common';
import { request } from 'node:http';
import WebSocket from 'ws';
import {
  CLOSE_CODES,
  OnStreamJoin,
  OnStreamLeave,
  PATH_SUBSCRIPTION_ID,
  type StreamAuthInput,
  type StreamSubscriptionPayload,
} from 'nest-realtime-streams';
import type { StreamAdapter } from '../../libs/streams/src/adapters/stream-adapter.interface';
import { STREAMS_ADAPTER } from '../../libs/streams/src/streams.constants';
import { startStreamsApp, type StreamsTestApp } from '../support/streams-app';
import { type Frame, TestClient } from '../support/ws-client';
import { waitFor } from '../support/wait-for';

@Injectable()
class Gatekeeper {
  joins: StreamSubscriptionPayload[] = [];
  leaves: StreamSubscriptionPayload[] = [];
  secretJoins: StreamSubscriptionPayload[] = [];

  @OnStreamJoin()
  onJoin(payload: StreamSubscriptionPayload) {
    this.joins.push(payload);
    if (payload.group_id === 'locked') return { unauthorized: true };
    if (payload.group_id === 'forbidden') throw new ForbiddenException();
    if (payload.group_id === 'ann-only') throw new ForbiddenException('ann only');
    if (payload.group_id === 'closed') return { unauthorized: true, reason: 'the room is closed' };
    if (payload.group_id === 'buggy') throw new Error('handler bug');
    return undefined;
  }

  @OnStreamJoin({ stream_name: 'secret' })
  onSecretJoin(payload: StreamSubscriptionPayload) {
    this.secretJoins.push(payload);
    return { unauthorized: (payload.context as { role?: string } | null)?.role !== 'admin' };
  }

  @OnStreamLeave()
  onLeave(payload: StreamSubscriptionPayload) {
    this.leaves.push(payload);
  }
}

const isSync = (f: Frame) => f.event?.type === 'sync';

describe('StreamsGateway: iii wire protocol (SPEC §4)', () => {
  let t: StreamsTestApp;
  let gate: Gatekeeper;
  const clients: TestClient[] = [];
  const connect = async (path = '/', options?: WebSocket.ClientOptions & { protocols?: string[] }) => {
    const c = await TestClient.connect(t.url + path, options);
    clients.push(c);
    return c;
  };
  const chat = { stream_name: 'chat', group_id: 'room-1' };

  beforeEach(async () => {
    t = await startStreamsApp({ limits: { payloadBytes: 4096, subscriptionsPerSocket: 5 } }, { providers: [Gatekeeper] });
    gate = t.app.get(Gatekeeper);
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await t.app.close();
  });

  describe('frames', () => {
    it('a group join gets a sync with the array of values, then create/update/delete/event frames', async () => {
      await t.service.set({ ...chat, item_id: 'm1', data: { text: 'first' } });
      const c = await connect();
      c.join('s1', 'chat', 'room-1');
      const sync = await c.next();
      // iii's frame exactly, plus the additive resume `position`.
      const position = expect.stringMatching(/^[\w-]+:\d+$/);
      expect(sync).toEqual({ type: 'stream', timestamp: expect.any(Number), streamName: 'chat', groupId: 'room-1', id: null, event: { type: 'sync', data: [{ text: 'first' }] }, position });

      await t.service.set({ ...chat, item_id: 'm2', data: { text: 'second' } });
      await t.service.update({ ...chat, item_id: 'm2', ops: [{ type: 'set', path: 'text', value: 'edited' }] });
      await t.service.delete({ ...chat, item_id: 'm1' });
      await t.service.send({ ...chat, type: 'typing', data: { user: 'ann' } });
      const frames = [await c.next(), await c.next(), await c.next(), await c.next()];
      expect(frames).toEqual([
        { type: 'stream', timestamp: expect.any(Number), streamName: 'chat', groupId: 'room-1', id: 'm2', event: { type: 'create', data: { text: 'second' } }, position },
        { type: 'stream', timestamp: expect.any(Number), streamName: 'chat', groupId: 'room-1', id: 'm2', event: { type: 'update', data: { text: 'edited' } }, position },
        { type: 'stream', timestamp: expect.any(Number), streamName: 'chat', groupId: 'room-1', id: 'm1', event: { type: 'delete', data: { text: 'first' } }, position },
        { type: 'stream', timestamp: expect.any(Number), streamName: 'chat', groupId: 'room-1', id: null, event: { type: 'event', event: { type: 'typing', data: { user: 'ann' } } }, position },
      ]);
      const stamps = [sync, ...frames].map((f) => f.timestamp!);
      for (let i = 1; i < stamps.length; i++) expect(stamps[i]).toBeGreaterThan(stamps[i - 1]);
    });

    it('an item join gets a sync with the value (or null) and only frames of its item', async () => {
      await t.service.set({ ...chat, item_id: 'm1', data: 'one' });
      const c = await connect();
      c.join('a', 'chat', 'room-1', 'm1');
      c.join('b', 'chat', 'room-1', 'missing');
      expect(await c.next()).toMatchObject({ id: 'm1', event: { type: 'sync', data: 'one' } });
      expect(await c.next()).toMatchObject({ id: 'missing', event: { type: 'sync', data: null } });
      await t.service.set({ ...chat, item_id: 'other', data: 'x' });
      await t.service.send({ ...chat, type: 'no-id', data: 1 });
      await t.service.send({ ...chat, type: 'for-m1', data: 2, id: 'm1' });
      await t.service.set({ ...chat, item_id: 'm1', data: 'two' });
      expect(await c.next()).toMatchObject({ id: 'm1', event: { type: 'event', event: { type: 'for-m1', data: 2 } } });
      expect(await c.next()).toMatchObject({ id: 'm1', event: { type: 'update', data: 'two' } });
      expect(await c.quiet()).toEqual([]);
    });

    it('other groups and streams are not delivered; after leave nothing more arrives', async () => {
      const c = await connect();
      c.join('s1', 'chat', 'room-1');
      await c.next(isSync);
      await t.service.set({ stream_name: 'chat', group_id: 'room-2', item_id: 'x', data: 1 });
      await t.service.set({ stream_name: 'chat:room-1', group_id: 'room-1', item_id: 'x', data: 1 });
      await t.service.set({ ...chat, item_id: 'mine', data: 1 });
      expect(await c.next()).toMatchObject({ groupId: 'room-1', streamName: 'chat', id: 'mine' });
      c.leave('s1', 'chat', 'room-1');
      await waitFor(() => gate.leaves.length === 1);
      await t.service.set({ ...chat, item_id: 'after', data: 1 });
      expect(await c.quiet()).toEqual([]);
    });

    it('one copy per socket even with overlapping group and item subscriptions (SPEC §7.3)', async () => {
      const c = await connect();
      c.join('group', 'chat', 'room-1');
      c.join('item', 'chat', 'room-1', 'm1');
      c.join('group-again', 'chat', 'room-1');
      await c.next(isSync);
      await c.next(isSync);
      await c.next(isSync);
      await t.service.set({ ...chat, item_id: 'm1', data: 1 });
      await t.service.set({ ...chat, item_id: 'm2', data: 2 });
      expect(await c.next()).toMatchObject({ id: 'm1' });
      expect(await c.next()).toMatchObject({ id: 'm2' });
      expect(await c.quiet()).toEqual([]);
      // Leaving the group subscription keeps the item one working.
      c.leave('group', 'chat', 'room-1');
      c.leave('group-again', 'chat', 'room-1');
      await waitFor(() => gate.leaves.length === 2);
      await t.service.set({ ...chat, item_id: 'm2', data: 3 });
      await t.service.set({ ...chat, item_id: 'm1', data: 4 });
      expect(await c.next()).toMatchObject({ id: 'm1', event: { type: 'update', data: 4 } });
    });

    it('WebSocket pings are answered with pongs carrying the same payload', async () => {
      const c = await connect();
      const pong = new Promise<Buffer>((resolve) => c.socket.once('pong', resolve));
      c.socket.ping(Buffer.from('hello'));
      expect((await pong).toString()).toBe('hello');
    });
  });

  describe('endpoints (SPEC §4.1)', () => {
    it('/stream/{stream}/{group} joins the group on connect, percent-decoded', async () => {
      await t.service.set({ stream_name: 'a:b', group_id: 'grüp x', item_id: 'i', data: 1 });
      const c = await connect('/stream/a%3Ab/gr%C3%BCp%20x');
      expect(await c.next()).toMatchObject({ streamName: 'a:b', groupId: 'grüp x', id: null, event: { type: 'sync', data: [1] } });
      await t.service.set({ stream_name: 'a:b', group_id: 'grüp x', item_id: 'j', data: 2 });
      expect(await c.next()).toMatchObject({ id: 'j', event: { type: 'create', data: 2 } });
      expect(gate.joins[0]).toMatchObject({ subscription_id: PATH_SUBSCRIPTION_ID, stream_name: 'a:b', group_id: 'grüp x', id: null });
    });

    it('/stream/{stream}/{group}/{item} joins the item; the socket may still join more', async () => {
      await t.service.set({ ...chat, item_id: 'm1', data: 'v' });
      const c = await connect('/stream/chat/room-1/m1/');
      expect(await c.next()).toMatchObject({ id: 'm1', event: { type: 'sync', data: 'v' } });
      c.join('more', 'chat', 'room-2');
      expect(await c.next()).toMatchObject({ groupId: 'room-2', event: { type: 'sync', data: [] } });
    });

    it('any other path is refused with HTTP 404 before the upgrade', async () => {
      for (const path of ['/nope', '/stream/only-stream', '/stream/s/g/i/extra']) {
        expect(await TestClient.refusal(t.url + path)).toBe(404);
      }
    });

    it('a plain HTTP request gets 426 on a stream path and 404 elsewhere', async () => {
      const status = (path: string) =>
        new Promise<number>((resolve, reject) => {
          request(`${t.url.replace('ws:', 'http:')}${path}`, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          })
            .on('error', reject)
            .end();
        });
      expect(await status('/')).toBe(426);
      expect(await status('/elsewhere')).toBe(404);
    });
  });

  describe('join authorization (SPEC §3.3, §7.1)', () => {
    it('{unauthorized: true} sends an unauthorized frame, stores nothing, delivers nothing', async () => {
      const c = await connect();
      c.join('s1', 'chat', 'locked', 'i');
      expect(await c.next()).toEqual({ type: 'stream', timestamp: expect.any(Number), streamName: 'chat', groupId: 'locked', id: 'i', event: { type: 'unauthorized' } });
      await t.service.set({ stream_name: 'chat', group_id: 'locked', item_id: 'i', data: 1 });
      expect(await c.quiet()).toEqual([]);
    });

    it('a ForbiddenException rejects the join too; so does any other handler error (fail closed, see safety.e2e-spec)', async () => {
      const c = await connect();
      c.join('s1', 'chat', 'forbidden');
      expect(await c.next()).toMatchObject({ groupId: 'forbidden', event: { type: 'unauthorized' } });
      c.join('s2', 'chat', 'buggy');
      expect(await c.next()).toMatchObject({ groupId: 'buggy', event: { type: 'unauthorized' } });
    });

    // docs/reference/protocol.md "Join, step by step": the reason a handler gave reaches the client (additive `error`);
    // what an unexpected failure said stays in the server's log.
    it('an unauthorized frame carries the handler\'s reason; a handler failure says only that it failed', async () => {
      const c = await connect();
      c.join('s1', 'chat', 'ann-only');
      expect((await c.next()).event).toEqual({ type: 'unauthorized', error: { code: 'forbidden', message: 'ann only' } });
      c.join('s2', 'chat', 'closed');
      expect((await c.next()).event).toEqual({ type: 'unauthorized', error: { code: 'unauthorized', message: 'the room is closed' } });
      c.join('s3', 'chat', 'forbidden');
      expect((await c.next()).event).toEqual({ type: 'unauthorized', error: { code: 'forbidden', message: 'Forbidden' } });
      c.join('s4', 'chat', 'buggy');
      expect((await c.next()).event).toEqual({ type: 'unauthorized', error: { code: 'join_failed', message: 'a join handler failed' } });
    });

    it('join handlers filtered by stream_name run only for that stream', async () => {
      const c = await connect();
      c.join('s1', 'chat', 'room-1');
      await c.next(isSync);
      expect(gate.secretJoins).toHaveLength(0);
      c.join('s2', 'secret', 'g');
      expect(await c.next()).toMatchObject({ streamName: 'secret', event: { type: 'unauthorized' } });
      expect(gate.secretJoins).toHaveLength(1);
      expect(gate.joins).toHaveLength(2);
    });

    it('leave handlers fire on leave messages and once per remaining subscription on disconnect', async () => {
      const c = await connect();
      c.join('a', 'chat', 'room-1');
      c.join('b', 'chat', 'room-2', 'x');
      c.join('c', 'chat', 'room-3');
      await c.next(isSync);
      await c.next(isSync);
      await c.next(isSync);
      c.leave('a', 'chat', 'room-1');
      await waitFor(() => gate.leaves.length === 1);
      expect(gate.leaves[0]).toEqual({ subscription_id: 'a', stream_name: 'chat', group_id: 'room-1', id: null, context: null });
      c.socket.close();
      await waitFor(() => gate.leaves.length === 3);
      expect(gate.leaves.slice(1).map((p) => p.subscription_id).sort()).toEqual(['b', 'c']);
      expect(gate.leaves.find((p) => p.subscription_id === 'b')).toMatchObject({ group_id: 'room-2', id: 'x' });
    });
  });

  describe('bad input (SPEC §7.2)', () => {
    it('malformed, unknown or incomplete messages get an error frame; the socket stays usable and others are unaffected', async () => {
      const bad = await connect();
      const good = await connect();
      good.join('g', 'chat', 'room-1');
      await good.next(isSync);
      bad.send('{not json');
      expect(await bad.next()).toMatchObject({ type: 'error', error: { code: 'invalid_json' } });
      bad.send({ type: 'subscribe', data: {} });
      expect(await bad.next()).toMatchObject({ type: 'error', error: { code: 'unknown_type', field: 'type' } });
      bad.send({ type: 'join', data: { subscriptionId: 's', streamName: 'chat' } });
      expect(await bad.next()).toMatchObject({ type: 'error', error: { code: 'invalid_field', field: 'data.groupId' } });
      bad.send({ type: 'join', data: { subscriptionId: 's', streamName: 'chat', groupId: 42 } });
      expect(await bad.next()).toMatchObject({ type: 'error', error: { code: 'invalid_field', field: 'data.groupId' } });
      bad.socket.send(Buffer.from([0xc3, 0x28]), { binary: true });
      expect(await bad.next()).toMatchObject({ type: 'error', error: { code: 'invalid_json' } });
      bad.send('   ');
      // Still usable: a valid join (here as a binary frame, which iii also accepts) works.
      bad.socket.send(Buffer.from(JSON.stringify({ type: 'join', data: { subscriptionId: 's', streamName: 'chat', groupId: 'room-1' } })), { binary: true });
      expect(await bad.next()).toMatchObject({ event: { type: 'sync' } });
      await t.service.set({ ...chat, item_id: 'x', data: 1 });
      expect(await good.next()).toMatchObject({ id: 'x' });
      expect(good.frames.filter((f) => f.type === 'error')).toEqual([]);
    });

    it('a frame over limits.payloadBytes closes the socket with 1009', async () => {
      const c = await connect();
      c.send('x'.repeat(5000));
      expect((await c.closedWith()).code).toBe(CLOSE_CODES.MESSAGE_TOO_BIG);
    });

    it('joins past limits.subscriptionsPerSocket get an error frame; re-joining an existing id replaces it', async () => {
      const c = await connect();
      for (let i = 0; i < 5; i++) c.join(`s${i}`, 'chat', `room-${i}`);
      for (let i = 0; i < 5; i++) await c.next(isSync);
      c.join('s5', 'chat', 'room-5');
      expect(await c.next()).toMatchObject({ type: 'error', error: { code: 'subscription_limit', subscriptionId: 's5' } });
      c.join('s0', 'chat', 'room-9');
      expect(await c.next()).toMatchObject({ groupId: 'room-9', event: { type: 'sync' } });
      await t.service.set({ stream_name: 'chat', group_id: 'room-0', item_id: 'old', data: 1 });
      await t.service.set({ stream_name: 'chat', group_id: 'room-9', item_id: 'new', data: 1 });
      expect(await c.next()).toMatchObject({ groupId: 'room-9', id: 'new' });
    });
  });

  describe('snapshot seam (SPEC §7.5)', () => {
    it('a client joining while 1,000 writes run ends with exactly the server state, nothing missed or applied twice', async () => {
      const c = await connect();
      // A slow snapshot read (as over a network) so that writes land between the join binding its group
      // and the snapshot being read: those must be dropped, later ones delivered after the sync.
      const adapter = t.app.get<StreamAdapter>(STREAMS_ADAPTER);
      const read = adapter.snapshot.bind(adapter);
      let snapshotRead!: () => void;
      const afterSnapshot = new Promise<void>((r) => (snapshotRead = r));
      jest.spyOn(adapter, 'snapshot').mockImplementation(async (...args) => {
        await new Promise((r) => setTimeout(r, 30));
        const snapshot = await read(...args);
        snapshotRead();
        return snapshot;
      });
      // Five writers run concurrently, 200 writes each, yielding to I/O so the join lands mid-stream. Writer 0
      // waits for the snapshot read, so writes on both sides of it exist however fast the others finish.
      const writer = async (w: number) => {
        for (let i = 0; i < 200; i++) {
          const item = `k${(w * 200 + i) % 50}`;
          if (i % 7 === 3) await t.service.delete({ ...chat, item_id: item });
          else await t.service.update({ ...chat, item_id: item, ops: [{ type: 'set', path: 'id', value: item }, { type: 'increment', path: 'n', by: 1 }] });
          if (w === 0 && i === 60) {
            c.join('s', 'chat', 'room-1');
            await afterSnapshot;
          }
          if (i % 5 === 0) await new Promise((r) => setImmediate(r));
        }
      };
      await Promise.all([0, 1, 2, 3, 4].map(writer));
      await waitFor(() => c.frames.some(isSync));
      await t.service.send({ ...chat, type: 'done', data: null });

      // Mirror the group as a client does: sync, then apply each frame. Every counter moves by exactly one per
      // frame, so a lost frame or one the snapshot already held shows up as a jump or a repeat.
      type Item = { id: string; n: number };
      const mirror = new Map<string, Item>();
      let lastTs = 0;
      let applied = 0;
      for (;;) {
        const f = await c.next();
        expect(f.timestamp!).toBeGreaterThan(lastTs);
        lastTs = f.timestamp!;
        const event = f.event!;
        if (event.type === 'event') break;
        if (event.type === 'sync') {
          for (const item of event.data as Item[]) mirror.set(item.id, item);
          continue;
        }
        const data = event.data as Item;
        applied++;
        if (event.type === 'delete') {
          expect(mirror.get(f.id!)).toEqual(data);
          mirror.delete(f.id!);
        } else if (event.type === 'create') {
          expect(mirror.has(f.id!)).toBe(false);
          expect(data.n).toBe(1);
          mirror.set(f.id!, data);
        } else {
          expect(data.n).toBe(mirror.get(f.id!)!.n + 1);
          mirror.set(f.id!, data);
        }
      }
      expect(applied).toBeGreaterThan(0);
      const server = (await t.service.list<Item>(chat)).sort((a, b) => a.id.localeCompare(b.id));
      expect([...mirror.values()].sort((a, b) => a.id.localeCompare(b.id))).toEqual(server);
    });
  });

  describe('authentication (SPEC §4.2)', () => {
    let authed: StreamsTestApp;
    const inputs: StreamAuthInput[] = [];
    const clientsB: TestClient[] = [];

    beforeEach(async () => {
      inputs.length = 0;
      authed = await startStreamsApp(
        {
          authFunction: async (input) => {
            inputs.push(input);
            const token = input.query_params.token?.[0] ?? input.headers['sec-websocket-protocol']?.split(',')[1]?.trim();
            if (token === 'deny') return false;
            if (token !== 'admin' && token !== 'user') throw new Error('bad token');
            return { context: { role: token } };
          },
        },
        { providers: [Gatekeeper] },
      );
    });
    afterEach(async () => {
      for (const c of clientsB.splice(0)) c.close();
      await authed.app.close();
    });

    it('passes headers (lower-case), path, query_params and addr; the context reaches join and leave handlers', async () => {
      const c = await TestClient.connect(`${authed.url}/?token=admin&a=1&a=2&c=&d`, { headers: { 'X-Custom': 'Yes' } });
      clientsB.push(c);
      expect(inputs[0]).toMatchObject({
        path: '/',
        query_params: { token: ['admin'], a: ['1', '2'], c: [''], d: [''] },
        addr: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
      });
      expect(inputs[0].headers['x-custom']).toBe('Yes');
      c.join('s', 'secret', 'g');
      expect(await c.next()).toMatchObject({ event: { type: 'sync' } });
      const g = authed.app.get(Gatekeeper);
      expect(g.secretJoins[0].context).toEqual({ role: 'admin' });
      c.socket.close();
      await waitFor(() => g.leaves.length === 1);
      expect(g.leaves[0].context).toEqual({ role: 'admin' });
    });

    it('a throwing auth function or one returning false refuses the upgrade with HTTP 401', async () => {
      expect(await TestClient.refusal(`${authed.url}/?token=wrong`)).toBe(401);
      expect(await TestClient.refusal(`${authed.url}/stream/chat/room?token=deny`)).toBe(401);
      expect(authed.app.get(Gatekeeper).joins).toHaveLength(0);
    });

    it('accepts the token as the sub-protocol pair "Authorization, <token>" and echoes Authorization', async () => {
      const c = await TestClient.connect(authed.url, { protocols: ['Authorization', 'user'] });
      clientsB.push(c);
      expect(c.socket.protocol).toBe('Authorization');
      c.join('s', 'secret', 'g');
      expect(await c.next()).toMatchObject({ event: { type: 'unauthorized' } });
    });
  });

  describe('limits, heartbeat and shutdown', () => {
    it('past limits.connections a new upgrade is refused with HTTP 503', async () => {
      const limited = await startStreamsApp({ limits: { connections: 2 } });
      const a = await TestClient.connect(limited.url);
      const b = await TestClient.connect(limited.url);
      expect(await TestClient.refusal(limited.url)).toBe(503);
      expect(a.closed).toBeNull();
      a.close();
      b.close();
      await limited.app.close();
    });

    it('heartbeat pings find and drop a peer that never answers', async () => {
      const beating = await startStreamsApp({ timeouts: { heartbeatIntervalMs: 50 } });
      const dead = await TestClient.connect(beating.url, { autoPong: false });
      const alive = await TestClient.connect(beating.url);
      expect((await dead.closedWith()).code).toBe(1006);
      expect(alive.closed).toBeNull();
      alive.close();
      await beating.app.close();
    });

    it('app.close() sends 1001 to every client, runs leave handlers and frees the port', async () => {
      const own = await startStreamsApp({}, { providers: [Gatekeeper] });
      const port = own.listener.address().port;
      const a = await TestClient.connect(own.url);
      const b = await TestClient.connect(`${own.url}/stream/chat/room-1`);
      await b.next(isSync);
      a.join('s', 'chat', 'room-2');
      await a.next(isSync);
      const g = own.app.get(Gatekeeper);
      await own.app.close();
      expect((await a.closedWith()).code).toBe(CLOSE_CODES.GOING_AWAY);
      expect((await b.closedWith()).code).toBe(CLOSE_CODES.GOING_AWAY);
      expect(g.leaves.map((l) => l.subscription_id).sort()).toEqual(['path', 's']);
      const again = await startStreamsApp({ port });
      expect(again.listener.address().port).toBe(port);
      await again.app.close();
    });
  });
});
