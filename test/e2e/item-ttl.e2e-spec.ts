import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import { OnStreamChange, type StreamChangeFrame, StreamsInputError, StreamsMetrics, type StreamsModuleOptions } from 'nest-realtime-streams';
import { keystroke, stoppedTyping } from '../../examples/typing.example';
import { metricValue } from '../support/metrics-text';
import { deletePrefix, describeRedis, REDIS_URL, uniquePrefix } from '../support/redis';
import { startStreamsApp, type StreamsTestApp } from '../support/streams-app';
import { TestClient } from '../support/ws-client';
import { waitFor } from '../support/wait-for';

@Injectable()
class ChangeLog {
  readonly frames: StreamChangeFrame[] = [];

  @OnStreamChange({ stream_name: 'typing' })
  onTyping(frame: StreamChangeFrame): void {
    this.frames.push(frame);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const expiredCount = async (t: StreamsTestApp) => metricValue(await t.app.get(StreamsMetrics).text(), 'streams_items_expired_total') ?? 0;

/**
 * SPEC §8 item TTLs end to end, with the README's typing example: an expiring item reaches a subscribed
 * WebSocket client as `create`/`update`, then `delete` once it expires; its change handlers run once for it
 * and it is counted. Bounds are generous (a loaded CI machine): the promise is "within 1 s".
 */
function describeItemTtl(name: string, options: () => StreamsModuleOptions, cleanup: () => Promise<void> = async () => undefined): void {
  describe(`item TTLs over a real socket: ${name}`, () => {
    let t: StreamsTestApp;
    let client: TestClient;

    beforeEach(async () => {
      t = await startStreamsApp(options(), { providers: [ChangeLog] });
      client = await TestClient.connect(t.url);
      client.join('s1', 'typing', 'room');
      await client.next((f) => f.event?.type === 'sync');
    });

    afterEach(async () => {
      client.socket.close();
      await t.app.close();
      await cleanup();
    });

    it('Conflicts and retries guide, typing example: the indicator expires after the last keystroke with one delete frame, one handler call, counted', async () => {
      await keystroke(t.service, 'room', 'ann', 400);
      await keystroke(t.service, 'room', 'ann', 400);
      await keystroke(t.service, 'room', 'bob', 60_000);
      const deleted = await client.next((f) => f.event?.type === 'delete', 5_000);
      expect(deleted).toMatchObject({ id: 'ann', event: { type: 'delete', data: { user: 'ann' } } });
      await expect(t.service.get({ stream_name: 'typing', group_id: 'room', item_id: 'ann' })).resolves.toBeNull();
      await expect(t.service.list({ stream_name: 'typing', group_id: 'room' })).resolves.toEqual([expect.objectContaining({ user: 'bob' })]);
      const changes = t.app.get(ChangeLog);
      await waitFor(() => changes.frames.length === 4);
      await sleep(500);
      expect(changes.frames.map((f) => [f.id, f.event.type])).toEqual([
        ['ann', 'create'],
        ['ann', 'update'],
        ['bob', 'create'],
        ['ann', 'delete'],
      ]);
      expect(client.frames.filter((f) => f.event?.type === 'delete')).toHaveLength(1);
      expect(await expiredCount(t)).toBe(1);
      await stoppedTyping(t.service, 'room', 'bob');
      await client.next((f) => f.event?.type === 'delete' && f.id === 'bob');
      expect(await expiredCount(t)).toBe(1);
    });

    it('a later write without ttl_ms keeps the item for good; update takes ttl_ms too (trigger as well)', async () => {
      const ref = { stream_name: 'typing', group_id: 'room', item_id: 'note' };
      await t.service.set({ ...ref, data: { n: 0 }, ttl_ms: 300 });
      await t.service.set({ ...ref, data: { n: 1 } });
      await t.service.trigger({ function_id: 'stream::update', payload: { ...ref, item_id: 'gone', ops: [{ type: 'merge', value: { a: 1 } }], ttl_ms: 300 } });
      await client.next((f) => f.event?.type === 'delete' && f.id === 'gone', 5_000);
      await sleep(500);
      await expect(t.service.get(ref)).resolves.toEqual({ n: 1 });
      expect(client.frames.filter((f) => f.event?.type === 'delete').map((f) => f.id)).toEqual(['gone']);
    });

    it('ttl_ms is a positive integer of at most 30 days, else StreamsInputError naming it; nothing is written', async () => {
      const ref = { stream_name: 'typing', group_id: 'room', item_id: 'x' };
      for (const ttl_ms of [0, -1, 1.5, '5', 31 * 24 * 3600_000]) {
        await expect(t.service.set({ ...ref, data: 1, ttl_ms } as never)).rejects.toMatchObject({ constructor: StreamsInputError, field: 'ttl_ms' });
        await expect(t.service.update({ ...ref, ops: [], ttl_ms } as never)).rejects.toMatchObject({ field: 'ttl_ms' });
      }
      await expect(t.service.get(ref)).resolves.toBeNull();
      t.service.createStream('custom', { get: () => null, set: () => ({ new_value: 1 }), delete: () => ({}), list: () => [], listGroups: () => [] });
      await expect(t.service.set({ stream_name: 'custom', group_id: 'g', item_id: 'i', data: 1, ttl_ms: 1_000 })).rejects.toMatchObject({ field: 'ttl_ms' });
    });

    it('a keyed retry must repeat its ttl_ms: the same key with another ttl is another call (refused)', async () => {
      const call = { stream_name: 'typing', group_id: 'room', item_id: 'k', data: 1, idempotency_key: 'once' };
      await t.service.set({ ...call, ttl_ms: 60_000 });
      await expect(t.service.set({ ...call, ttl_ms: 60_000 })).resolves.toMatchObject({ new_value: 1 });
      await expect(t.service.set({ ...call, ttl_ms: 30_000 })).rejects.toMatchObject({ code: 'idempotency_key_reused' });
      await expect(t.service.set(call)).rejects.toMatchObject({ code: 'idempotency_key_reused' });
    });

    it('sweep bound: 1,500 items expiring at once are all deleted, in a few ticks of at most 500', async () => {
      await Promise.all(Array.from({ length: 1_500 }, (_, i) => t.service.set({ stream_name: 'typing', group_id: `g${i % 30}`, item_id: `i${i}`, data: i, ttl_ms: 200 })));
      await waitFor(async () => (await expiredCount(t)) === 1_500, { ms: 20_000, what: '1,500 expiries' });
      expect((await t.service.listAll()).stream.filter((s) => s.id === 'typing')).toEqual([]);
    });
  });
}

const dirs: string[] = [];
describeItemTtl('memory', () => ({}));
describeItemTtl(
  'file',
  () => {
    const path = mkdtempSync(join(tmpdir(), 'item-ttl-'));
    dirs.push(path);
    return { adapter: { type: 'file', path } };
  },
  async () => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  },
);

describeRedis('Redis', () => {
  let prefix = '';
  describeItemTtl(
    'redis',
    () => {
      prefix = uniquePrefix('item-ttl');
      return { adapter: { type: 'redis', url: REDIS_URL, keyPrefix: prefix } };
    },
    () => deletePrefix(prefix),
  );

  describe('two instances on one Redis', () => {
    const apps: StreamsTestApp[] = [];
    afterEach(async () => {
      for (const app of apps.splice(0)) await app.app.close();
      await deletePrefix(prefix);
    });

    it('each expiry is deleted by one instance: one delete frame on each socket, one handler call and one count across both', async () => {
      prefix = uniquePrefix('item-ttl-two');
      const options = { adapter: { type: 'redis' as const, url: REDIS_URL, keyPrefix: prefix } };
      apps.push(await startStreamsApp(options, { providers: [ChangeLog] }), await startStreamsApp(options, { providers: [ChangeLog] }));
      const clients = await Promise.all(apps.map((a) => TestClient.connect(a.url)));
      for (const c of clients) {
        c.join('s1', 'typing', 'room');
        await c.next((f) => f.event?.type === 'sync');
      }
      for (let i = 0; i < 20; i++) await keystroke(apps[i % 2].service, 'room', `u${i}`, 300);
      const total = async () => (await expiredCount(apps[0])) + (await expiredCount(apps[1]));
      await waitFor(async () => (await total()) === 20, { ms: 10_000, what: '20 expiries' });
      await sleep(1_000);
      expect(await total()).toBe(20);
      const deletes = apps.flatMap((a) => a.app.get(ChangeLog).frames.filter((f) => f.event.type === 'delete'));
      expect(deletes).toHaveLength(20);
      for (const c of clients) {
        expect(c.frames.filter((f) => f.event?.type === 'delete')).toHaveLength(20);
        c.socket.close();
      }
    });
  });
});
