import { onEveryAdapter } from '../support/every-adapter';
import { startStreamsApp, type StreamsTestApp } from '../support/streams-app';
import { itemFrame as stream, readDelta } from '../support/delta-frames';
import { type Frame, TestClient } from '../support/ws-client';

type SyncEvent = { type: string; data?: unknown; items?: unknown; version?: unknown };

/** SPEC §9 on the wire: what a delta subscription gets, and that a subscription that did not ask gets exactly what it got before. */
onEveryAdapter('deltas-wire', (adapter, options, cleanup) => {
  describe(`deltas on the wire (${adapter})`, () => {
    let t: StreamsTestApp;
    const clients: TestClient[] = [];
    const card = { stream_name: 'cards', group_id: 'board' };
    const connect = async () => {
      const c = await TestClient.connect(t.url);
      clients.push(c);
      return c;
    };
    const join = (c: TestClient, extra: Record<string, unknown> = {}) =>
      c.send({ type: 'join', data: { subscriptionId: 's', streamName: 'cards', groupId: 'board', ...extra } });
    const event = (f: Frame) => f.event as unknown as SyncEvent;

    beforeEach(async () => {
      t = await startStreamsApp({ ...options(), history: { size: 50 } });
    });
    afterEach(async () => {
      for (const c of clients.splice(0)) c.close();
      await t.app.close();
      await cleanup();
    });

    it('a plain subscription gets full values, a delta one a delta frame with the ops, base and version; syncs list ids and versions', async () => {
      const title = 'A card whose value is larger than a change to it: '.repeat(5);
      const first = await t.service.set({ ...card, item_id: 'a', data: { title, count: 1 } });
      const plain = await connect();
      const delta = await connect();
      join(plain);
      join(delta, { deltas: true });
      const plainSync = await plain.next(stream);
      const deltaSync = await delta.next(stream);
      expect(Object.keys(plainSync.event!).sort()).toEqual(['data', 'type']);
      expect(event(deltaSync)).toEqual({ type: 'sync', data: [{ title, count: 1 }], items: [{ id: 'a', version: first.version }] });

      const updated = await t.service.update({ ...card, item_id: 'a', ops: [{ type: 'increment', path: 'count', by: 2 }] });
      const full = await plain.next(stream);
      const change = await delta.next(stream);
      expect(full.event).toEqual({ type: 'update', data: { title, count: 3 } });
      expect(Object.keys(full).sort()).toEqual(['event', 'groupId', 'id', 'position', 'streamName', 'timestamp', 'type']);
      expect(readDelta(change, first.version!)).toEqual({ ops: [{ type: 'increment', path: 'count', by: 2 }], base: first.version, version: updated.version });
      // Nothing else: no timestamp, no position (the version is the position), no names of its own.
      expect(Object.keys(change)).toEqual(['type', 'streamName', 'groupId', 'id', 'base', 'version', 'ops']);
      expect(change).toMatchObject({ type: 'delta', streamName: 'cards', groupId: 'board', id: 'a' });
    });

    it('an item join with deltas gets the version in its sync; an append to a string travels as the appended text', async () => {
      const text = 'The answer streams in token by token. '.repeat(6);
      const first = await t.service.set({ ...card, item_id: 'answer', data: { text } });
      const c = await connect();
      join(c, { id: 'answer', deltas: true });
      expect(event(await c.next(stream))).toEqual({ type: 'sync', data: { text }, version: first.version });
      for (const token of ['Hello', ', ', 'world']) await t.service.update({ ...card, item_id: 'answer', ops: [{ type: 'append', path: 'text', value: token }] });
      const frames = [await c.next(stream), await c.next(stream), await c.next(stream)];
      expect(frames.map((f) => f.ops)).toEqual([['Hello'], [', '], ['world']].map(([value]) => [{ type: 'append', path: 'text', value }]));
    });

    it('a change whose frame is not smaller than the full one is sent as the value; skipped ops are not sent', async () => {
      await t.service.set({ ...card, item_id: 'n', data: { n: 0 } });
      const c = await connect();
      join(c, { deltas: true });
      await c.next(stream);
      const ops = Array.from({ length: 8 }, () => ({ type: 'increment' as const, path: 'n', by: 1 }));
      await t.service.update({ ...card, item_id: 'n', ops });
      const whole = await c.next(stream);
      expect([whole.type, whole.event]).toEqual(['stream', { type: 'update', data: { n: 8 } }]);
      await t.service.set({ ...card, item_id: 'n', data: { n: 8, label: 'x'.repeat(200) } });
      await c.next(stream);
      const skipped = await t.service.update({
        ...card,
        item_id: 'n',
        ops: [
          { type: 'increment', path: 'label', by: 1 },
          { type: 'increment', path: 'n', by: 1 },
        ],
      });
      expect(skipped.errors).toHaveLength(1);
      const next = await c.next(stream);
      // Redis sends the change only when every op applied (docs/reference/protocol.md).
      if (adapter === 'redis') expect(next.event?.data).toEqual({ n: 9, label: 'x'.repeat(200) });
      else expect(next.ops).toEqual([{ type: 'increment', path: 'n', by: 1 }]);
    });

    it('a set of a large object with one field changed goes as an RFC 6902 patch', async () => {
      const big = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`field${i}`, `value ${i} `.repeat(8)]));
      const first = await t.service.set({ ...card, item_id: 'big', data: big });
      const c = await connect();
      join(c, { deltas: true });
      await c.next(stream);
      const second = await t.service.set({ ...card, item_id: 'big', data: { ...big, field7: 'changed' } });
      const f = readDelta(await c.next(stream), first.version!);
      expect(f).toEqual({ patch: [{ op: 'replace', path: '/field7', value: 'changed' }], base: first.version, version: second.version });
    });

    it('a delta after a resume that replayed nothing applies to the version the client held', async () => {
      const first = await t.service.set({ ...card, item_id: 'a', data: { count: 0, pad: 'p'.repeat(250) } });
      const before = await connect();
      join(before, { deltas: true });
      const sync = await before.next(stream);
      before.close();
      const again = await connect();
      join(again, { deltas: true, position: sync.position });
      const resumed = await again.next();
      expect(resumed).toMatchObject({ type: 'resumed', replayed: 0, items: [{ id: 'a', version: first.version }] });
      const second = await t.service.update({ ...card, item_id: 'a', ops: [{ type: 'increment', path: 'count', by: 1 }] });
      expect(readDelta(await again.next(stream), first.version!)).toEqual({ ops: [{ type: 'increment', path: 'count', by: 1 }], base: first.version, version: second.version });
    });

    it('a resume replays changes as deltas from the resume point', async () => {
      const first = await t.service.set({ ...card, item_id: 'a', data: { count: 0, pad: 'p'.repeat(250) } });
      const before = await connect();
      join(before, { deltas: true });
      const sync = await before.next(stream);
      before.close();
      const writes = [];
      for (let i = 0; i < 3; i++) writes.push(await t.service.update({ ...card, item_id: 'a', ops: [{ type: 'increment', path: 'count', by: 1 }] }));
      const again = await connect();
      join(again, { deltas: true, position: sync.position });
      const replayed = [await again.next(), await again.next(), await again.next()];
      expect(replayed.map((f) => readDelta(f, first.version!)?.base)).toEqual([first.version, writes[0].version, writes[1].version]);
      expect(replayed.map((f) => readDelta(f, first.version!)?.version)).toEqual(writes.map((w) => w.version));
      expect(await again.next()).toMatchObject({ type: 'resumed', replayed: 3, items: [{ id: 'a', version: writes[2].version }] });
    });
  });
});
