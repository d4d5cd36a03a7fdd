import type { StreamsService } from 'nest-realtime-streams';
import { describeRedis } from '../support/redis';
import { TestClient } from '../support/ws-client';
import type { MotiaDriver } from './motia-client.drivers';
import { backendCase, type BackendCase, RestartableStreams } from './restartable-streams';

/*
 * What an iii/Motia app does with the real Motia stream clients, on every adapter (issue 14): the client's
 * own view (its subscription state) must end equal to the server's. Each scenario uses its own group.
 */

type Item = { id: string } & Record<string, unknown>;

const STREAM = 'todo';
/** How long a client may take to show the server's state; covers the Motia clients' fixed 2 s reconnect delay. */
const SETTLE_MS = 12_000;
const BURST_WRITES = 20_000;
const BURST_ITEMS = 100;
const BURST_CONCURRENCY = 64;

const byId = (items: unknown): Item[] => [...((items as Item[] | null) ?? [])].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * Polls the client until `read` gives `expected`. On timeout, fails with what differs and how far the
 * client's newest accepted timestamp is ahead of the wall clock (a client drops frames not newer than it).
 */
async function settles(client: MotiaDriver, handle: number, read: () => Promise<unknown>, expected: unknown, what: string): Promise<void> {
  const end = Date.now() + SETTLE_MS;
  let actual = await read();
  while (!same(actual, expected) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 50));
    actual = await read();
  }
  if (same(actual, expected)) return;
  const lead = (await client.lastTimestamp(handle)) - Date.now();
  const summary = (v: unknown) => (Array.isArray(v) ? `${v.length} items, first ${JSON.stringify(v.slice(0, 2))}` : JSON.stringify(v));
  throw new Error(
    `${what}: the client still differs from the server after ${SETTLE_MS} ms.\n` +
      `  server: ${summary(expected)}\n  client: ${summary(actual)}\n` +
      `  the client's newest accepted frame timestamp is ${lead} ms ahead of the wall clock`,
  );
}

async function serverGroup(service: StreamsService, group: string): Promise<Item[]> {
  return byId(await service.list({ stream_name: STREAM, group_id: group }));
}

const set = (service: StreamsService, group: string, id: string, data: Record<string, unknown>) =>
  service.set({ stream_name: STREAM, group_id: group, item_id: id, data: { id, ...data } });

/** `writes` sets spread over `items` items of one group, `BURST_CONCURRENCY` in flight (as fast as the adapter goes). */
async function burst(service: StreamsService, group: string, writes: number, items: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < writes) {
      const n = next++;
      await set(service, group, `item-${String(n % items).padStart(3, '0')}`, { n });
    }
  };
  await Promise.all(Array.from({ length: BURST_CONCURRENCY }, worker));
}

/**
 * The scenario table for one client build, on memory, file and Redis. `connect` opens a fresh client on
 * the module's URL; every test closes the clients it opened.
 */
export function describeMotiaScenarios(build: string, connect: (url: string) => Promise<MotiaDriver>): void {
  for (const name of ['memory', 'file', 'redis'] as const) {
    const describeBackend = name === 'redis' ? describeRedis : describe;
    describeBackend(`${build} Motia client on the ${name} adapter`, () => {
      let backend: BackendCase;
      let streams: RestartableStreams;
      const open: MotiaDriver[] = [];
      const client = async () => {
        const driver = await connect(streams.url);
        open.push(driver);
        return driver;
      };

      beforeAll(async () => {
        backend = backendCase(name);
        streams = await RestartableStreams.start(backend);
      });

      afterEach(async () => {
        for (const driver of open.splice(0)) await driver.close();
      });

      afterAll(async () => {
        await streams?.close();
      });

      // '' is iii's usual default group: it must work as any other.
      it.each([['room-1'], ['']])('group %j: the snapshot, then create, update, delete and custom events', async (group) => {
        await set(streams.service, group, 'a', { text: 'first' });
        await set(streams.service, group, 'b', { text: 'second' });
        const c = await client();
        const sub = await c.group(STREAM, group, ['note']);
        await settles(c, sub, async () => byId(await c.state(sub)), await serverGroup(streams.service, group), 'snapshot');

        await set(streams.service, group, 'c', { text: 'created' });
        await set(streams.service, group, 'a', { text: 'updated' });
        await streams.service.delete({ stream_name: STREAM, group_id: group, item_id: 'b' });
        await streams.service.send({ stream_name: STREAM, group_id: group, type: 'note', data: { n: 1 } });
        await streams.service.send({ stream_name: STREAM, group_id: group, id: 'a', type: 'note', data: { n: 2 } });
        const expected = await serverGroup(streams.service, group);
        expect(expected.map((i) => [i.id, i.text])).toEqual([
          ['a', 'updated'],
          ['c', 'created'],
        ]);
        await settles(c, sub, async () => byId(await c.state(sub)), expected, 'live changes');
        await settles(c, sub, () => c.events(sub), [['note', { n: 1 }], ['note', { n: 2 }]], 'custom events');
      });

      it('deltas (SPEC §9): beside a delta subscription on the same group, the client still gets and holds full values', async () => {
        const group = 'beside-deltas';
        const pad = 'p'.repeat(300);
        await set(streams.service, group, 'a', { n: 0, text: '', pad });
        const c = await client();
        const sub = await c.group(STREAM, group, ['note']);
        const deltas = await TestClient.connect(streams.url);
        try {
          deltas.send({ type: 'join', data: { subscriptionId: 'd', streamName: STREAM, groupId: group, deltas: true } });
          await deltas.next((f) => f.type === 'stream');
          await settles(c, sub, async () => byId(await c.state(sub)), await serverGroup(streams.service, group), 'snapshot');
          const ref = { stream_name: STREAM, group_id: group, item_id: 'a' };
          await streams.service.update({ ...ref, ops: [{ type: 'increment', path: 'n', by: 1 }] });
          await streams.service.update({ ...ref, ops: [{ type: 'append', path: 'text', value: 'hello' }] });
          await streams.service.set({ ...ref, data: { id: 'a', n: 1, text: 'hello, world', pad } });
          // The delta subscription got changes (Redis: the `set` whole) ...
          const changes = [await deltas.next((f) => f.type === 'delta'), await deltas.next((f) => f.type === 'delta')];
          expect(changes.map((f) => f.ops)).toEqual([[{ type: 'increment', path: 'n', by: 1 }], [{ type: 'append', path: 'text', value: 'hello' }]]);
          // ... while the Motia client, on the same group, holds every full value.
          await settles(c, sub, async () => byId(await c.state(sub)), [{ id: 'a', n: 1, text: 'hello, world', pad }], 'full values');
        } finally {
          deltas.close();
        }
      });

      it('item: the snapshot, update, its own custom events only, and delete', async () => {
        const group = 'items';
        await set(streams.service, group, 'x', { v: 1 });
        const c = await client();
        const sub = await c.item(STREAM, group, 'x', ['note']);
        await settles(c, sub, () => c.state(sub), { id: 'x', v: 1 }, 'snapshot');
        await set(streams.service, group, 'x', { v: 2 });
        await settles(c, sub, () => c.state(sub), { id: 'x', v: 2 }, 'update');
        // Only the event sent with this item's id reaches an item subscription (iii routing).
        await streams.service.send({ stream_name: STREAM, group_id: group, type: 'note', data: 'group-wide' });
        await streams.service.send({ stream_name: STREAM, group_id: group, id: 'other', type: 'note', data: 'other item' });
        await streams.service.send({ stream_name: STREAM, group_id: group, id: 'x', type: 'note', data: 'for x' });
        await streams.service.delete({ stream_name: STREAM, group_id: group, item_id: 'x' });
        await settles(c, sub, () => c.state(sub), null, 'delete');
        expect(await c.events(sub)).toEqual([['note', 'for x']]);
      });

      it('leave: closing a subscription sends leave; the server runs its leave handlers', async () => {
        // An item, so the snapshot shows the join was answered (the client only sends leave on an open socket).
        await set(streams.service, 'leaving', 'here', {});
        const c = await client();
        const sub = await c.group(STREAM, 'leaving', []);
        await settles(c, sub, () => c.state(sub), [{ id: 'here' }], 'snapshot');
        const subscriptionId = await c.subscriptionId(sub);
        await c.leave(sub);
        const end = Date.now() + SETTLE_MS;
        while (!streams.leaves.some((l) => l.subscription_id === subscriptionId) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
        expect(streams.leaves.filter((l) => l.subscription_id === subscriptionId)).toEqual([
          { subscription_id: subscriptionId, stream_name: STREAM, group_id: 'leaving', id: null, context: null },
        ]);
      });

      it('reconnect: after a server restart the client re-joins and shows the server state', async () => {
        const group = 'restart';
        await set(streams.service, group, 'before', { v: 1 });
        const c = await client();
        const sub = await c.group(STREAM, group, []);
        await settles(c, sub, async () => byId(await c.state(sub)), await serverGroup(streams.service, group), 'snapshot');
        await streams.restart();
        await set(streams.service, group, 'after', { v: 1 });
        await set(streams.service, group, 'after', { v: 2 });
        await settles(c, sub, async () => byId(await c.state(sub)), await serverGroup(streams.service, group), 'after the restart');
      });

      it(`burst: ${BURST_WRITES} writes, then a server restart; the client's final view equals the server's`, async () => {
        const group = 'burst';
        await set(streams.service, group, 'item-000', { n: -1 });
        const c = await client();
        const sub = await c.group(STREAM, group, []);
        await settles(c, sub, () => c.state(sub), [{ id: 'item-000', n: -1 }], 'snapshot');
        await burst(streams.service, group, BURST_WRITES, BURST_ITEMS);
        await settles(c, sub, async () => byId(await c.state(sub)), await serverGroup(streams.service, group), 'after the burst');
        const lead = (await c.lastTimestamp(sub)) - Date.now();
        await streams.restart();
        await set(streams.service, group, 'item-000', { n: 'after the restart' });
        const what = `after the burst (its frames led the wall clock by ${lead} ms once it was shown) and a restart`;
        await settles(c, sub, async () => byId(await c.state(sub)), await serverGroup(streams.service, group), what);
      }, 90_000);
    });
  }
}
