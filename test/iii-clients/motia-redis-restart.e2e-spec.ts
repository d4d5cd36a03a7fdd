import { describeRedis, ThrowawayRedis } from '../support/redis';
import { startStreamsApp, type StreamsTestApp } from '../support/streams-app';
import { loadNodeClient, type MotiaDriver, nodeDriver } from './motia-client.drivers';
import type { MotiaStream } from './motia-harness';

const STREAM = 'todo';
const BURST = 3000;
const ITEMS = 100;
const SETTLE_MS = 10_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) return false;
    await sleep(20);
  }
  return true;
}

/**
 * Issue 23 (10b): a Redis restart (without persistence) right after a burst loses the group's clock while
 * the real Motia client's newest timestamp runs up to 1 s ahead of the wall clock. The `continuityLost`
 * re-sync must still be newer than what the client saw, or the client drops it (a group subscription drops
 * a `sync` older than its last change) and keeps items the server no longer has, for as long as its socket
 * stays open.
 */
describeRedis(
  'Motia client across a Redis restart right after a burst',
  () => {
    let Stream: new (url: string) => MotiaStream;
    let redis: ThrowawayRedis;
    let streams: StreamsTestApp;
    let client: MotiaDriver | null = null;

    beforeAll(async () => {
      Stream = await loadNodeClient();
      redis = await ThrowawayRedis.start();
      streams = await startStreamsApp({ adapter: { type: 'redis', url: redis.url, keyPrefix: 'restart', commandTimeoutMs: 30_000 } });
    });

    afterAll(async () => {
      await client?.close();
      await streams?.app.close();
      await redis?.dispose();
    });

    it('the re-sync is stamped past every frame the client saw: the client drops the items Redis lost', async () => {
      client = nodeDriver(Stream, streams.url);
      const sub = await client.group(STREAM, 'burst', []);
      const writes = Array.from({ length: BURST }, (_, n) => {
        const id = `item-${n % ITEMS}`;
        return streams.service.set({ stream_name: STREAM, group_id: 'burst', item_id: id, data: { id, n } });
      });
      await Promise.all(writes);
      // Every item at its last write, so the client's newest timestamp is the burst's last one.
      const settled = async () => {
        const state = (await client!.state(sub)) as Array<{ n: number }>;
        return state.length === ITEMS && state.every((item) => item.n >= BURST - ITEMS);
      };
      expect(await until(settled, SETTLE_MS)).toBe(true);
      const lead = (await client.lastTimestamp(sub)) - Date.now();

      await redis.kill();
      await redis.restart();
      // Nothing persisted: the server's group is empty, and the client is re-synced to that without reconnecting.
      const emptied = await until(async () => ((await client!.state(sub)) as unknown[]).length === 0, SETTLE_MS);
      const left = ((await client.state(sub)) as unknown[]).length;
      expect({ emptied, left, lead: lead > 0 }).toEqual({ emptied: true, left: 0, lead: true });
      await expect(streams.service.list({ stream_name: STREAM, group_id: 'burst' })).resolves.toEqual([]);
    }, 60_000);
  },
  { ownServer: true },
);
