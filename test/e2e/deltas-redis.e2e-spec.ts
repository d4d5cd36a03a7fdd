import { describeRedis, deletePrefix, REDIS_URL, uniquePrefix } from '../support/redis';
import { startStreamsApp, type StreamsTestApp } from '../support/streams-app';
import { itemFrame as stream, readDelta } from '../support/delta-frames';
import { TestClient } from '../support/ws-client';

/**
 * SPEC §9 on Redis with two instances: a `set` carries a patch computed by the instance that writes it, from the
 * value it wrote last; when another instance wrote in between, the script finds another version and the set goes
 * whole. Either way both instances' delta subscribers get the same frames.
 */
describeRedis('deltas across Redis instances', () => {
  let a: StreamsTestApp;
  let b: StreamsTestApp;
  let prefix: string;
  const clients: TestClient[] = [];
  const ref = { stream_name: 'cards', group_id: 'board', item_id: 'card' };
  const card = (n: number, by: string) => ({ n, by, pad: 'p'.repeat(600) });

  beforeEach(async () => {
    prefix = uniquePrefix('deltas-redis');
    const options = { adapter: { type: 'redis' as const, url: REDIS_URL, keyPrefix: prefix } };
    [a, b] = await Promise.all([startStreamsApp(options), startStreamsApp(options)]);
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await Promise.all([a.app.close(), b.app.close()]);
    await deletePrefix(prefix);
  });

  it('a set patches from the writer’s last value only while the item is still at its version', async () => {
    const zero = await a.service.set({ ...ref, data: card(0, 'a') });
    const onA = await TestClient.connect(a.url);
    const onB = await TestClient.connect(b.url);
    clients.push(onA, onB);
    for (const c of [onA, onB]) c.send({ type: 'join', data: { subscriptionId: 's', streamName: 'cards', groupId: 'board', deltas: true } });
    await Promise.all([onA.next(stream), onB.next(stream)]);

    await a.service.set({ ...ref, data: card(1, 'a') }); // a wrote the last value: a patch
    await b.service.set({ ...ref, data: card(2, 'b') }); // b never wrote it: whole
    const third = await a.service.set({ ...ref, data: card(3, 'a') }); // a's last value is no longer current: whole
    const fourth = await a.service.set({ ...ref, data: card(4, 'a') }); // a wrote the last value again: a patch
    for (const c of [onA, onB]) {
      const frames = [await c.next(stream), await c.next(stream), await c.next(stream), await c.next(stream)];
      const deltas = frames.map((f) => readDelta(f, zero.version!));
      expect(deltas.map((d) => (d?.patch ? `patch from ${d.base}` : 'whole'))).toEqual([`patch from ${zero.version}`, 'whole', 'whole', `patch from ${third.version}`]);
      expect(deltas[3]).toMatchObject({ version: fourth.version, patch: [{ op: 'replace', path: '/n', value: 4 }] });
      expect(frames[1].event?.data).toEqual(card(2, 'b'));
    }
  });
});
