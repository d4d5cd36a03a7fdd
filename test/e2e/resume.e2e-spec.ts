import { startStreamsApp, type StreamsTestApp } from '../support/streams-app';
import { type Frame, TestClient } from '../support/ws-client';

/** SPEC §7.4: resume without loss after a reconnect, within the history window; a clear re-sync beyond it. */
describe('resume after reconnect (SPEC §7.4)', () => {
  let t: StreamsTestApp;
  const clients: TestClient[] = [];
  const connect = async (url = t.url) => {
    const c = await TestClient.connect(url);
    clients.push(c);
    return c;
  };
  const chat = { stream_name: 'chat', group_id: 'room-1' };
  const join = (c: TestClient, position?: string, id?: string) =>
    c.send({ type: 'join', data: { subscriptionId: 's', streamName: 'chat', groupId: 'room-1', ...(id ? { id } : {}), ...(position ? { position } : {}) } });
  const write = (i: number) => t.service.set({ ...chat, item_id: `m${i % 3}`, data: { i } });

  beforeEach(async () => {
    t = await startStreamsApp({ history: { size: 20 } });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await t.app.close();
  });

  /** Joins, reads the sync and `count` live frames, disconnects; returns the last position seen. */
  async function session(count: number): Promise<{ last: Frame; seen: Frame[] }> {
    const c = await connect();
    join(c);
    const seen = [await c.next()];
    for (let i = 0; i < count; i++) seen.push(await c.next());
    c.close();
    return { last: seen[seen.length - 1], seen };
  }

  it('every frame carries a position, strictly increasing within the group', async () => {
    await write(0);
    const c = await connect();
    join(c);
    const sync = await c.next();
    await write(1);
    await t.service.send({ ...chat, type: 'ping', data: null });
    const a = await c.next();
    const b = await c.next();
    const seq = (f: Frame) => Number(f.position!.split(':').pop());
    expect(seq(sync)).toBe(1);
    expect([seq(a), seq(b)]).toEqual([2, 3]);
  });

  it('a client reconnecting within the window gets exactly the missed events, in order, without a sync', async () => {
    for (let i = 0; i < 3; i++) await write(i);
    const { last } = await session(0);
    for (let i = 3; i < 13; i++) await write(i);
    await t.service.send({ ...chat, type: 'note', data: 'custom events are replayed too' });
    const c = await connect();
    join(c, last.position);
    const replayed: Frame[] = [];
    for (;;) {
      const f = await c.next();
      if (f.type === 'resumed') {
        expect(f).toMatchObject({ subscriptionId: 's', streamName: 'chat', groupId: 'room-1', id: null, replayed: 11 });
        break;
      }
      replayed.push(f);
    }
    expect(replayed.map((f) => f.event!.type === 'event' ? 'note' : (f.event!.data as { i: number }).i)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 'note']);
    expect(replayed.every((f) => f.event!.type !== 'sync')).toBe(true);
    // Then live frames continue from there.
    await write(13);
    expect(await c.next()).toMatchObject({ event: { type: 'update', data: { i: 13 } } });
    expect(c.frames.filter((f) => f.event?.type === 'sync')).toEqual([]);
  });

  it('nothing missed: the resume answers with an empty replay and goes on live', async () => {
    await write(0);
    const { last } = await session(0);
    const c = await connect();
    join(c, last.position);
    expect(await c.next()).toMatchObject({ type: 'resumed', replayed: 0 });
    await write(3);
    expect(await c.next()).toMatchObject({ event: { type: 'update', data: { i: 3 } } });
  });

  it('an item subscription resumes with only its item’s missed events', async () => {
    await write(0);
    const c0 = await connect();
    join(c0, undefined, 'm1');
    const sync = await c0.next();
    c0.close();
    for (let i = 1; i < 10; i++) await write(i);
    const c = await connect();
    join(c, sync.position, 'm1');
    const frames = [await c.next(), await c.next(), await c.next(), await c.next()];
    expect(frames.map((f) => (f.event?.data as { i: number } | undefined)?.i ?? f.type)).toEqual([1, 4, 7, 'resumed']);
  });

  it('beyond the window: a fresh sync flagged continuityLost', async () => {
    await write(0);
    const { last } = await session(0);
    for (let i = 1; i <= 40; i++) await write(i);
    const c = await connect();
    join(c, last.position);
    const sync = await c.next();
    expect(sync.event).toEqual({ type: 'sync', data: expect.any(Array), continuityLost: true });
    expect(sync.event!.data).toHaveLength(3);
  });

  it('an epoch change (the server lost its history, e.g. a restart) gives a fresh sync flagged continuityLost', async () => {
    await write(0);
    const { last } = await session(0);
    const port = t.listener.address().port;
    await t.app.close();
    t = await startStreamsApp({ port, history: { size: 20 } });
    await write(1);
    const c = await connect();
    join(c, last.position);
    expect((await c.next()).event).toMatchObject({ type: 'sync', data: [{ i: 1 }], continuityLost: true });
  });

  it('a garbled position also re-syncs with the flag; a non-string one is an invalid_field error', async () => {
    const c = await connect();
    join(c, 'not-a-position');
    expect((await c.next()).event).toMatchObject({ type: 'sync', continuityLost: true });
    c.send({ type: 'join', data: { subscriptionId: 'x', streamName: 'chat', groupId: 'g', position: 42 } });
    expect(await c.next()).toMatchObject({ type: 'error', error: { code: 'invalid_field', field: 'data.position' } });
  });
});
