import { StreamsMetrics } from 'nest-realtime-streams';
import { StreamsPostgresModule } from 'nest-realtime-streams/postgres';
import { Pool } from 'pg';
import { metricValue } from '../support/metrics-text';
import { ITEM_GROUPS, itemGroup, ITEMS_TABLE, joinItemGroups, rowChanges } from '../support/capture-workload';
import { outboxDatabase, sql } from '../support/outbox-db';
import { describePostgres, PgCluster } from '../support/pg-cluster';
import { deletePrefix, describeRedis, REDIS_URL, uniquePrefix } from '../support/redis';
import { startStreamsApp, type StreamsTestApp } from '../support/streams-app';
import { waitFor } from '../support/wait-for';
import { TestClient } from '../support/ws-client';

const OUTAGE_MS = 60_000;
const CHANGES = 10_000;

/**
 * SPEC §10: the capture consumer's app is down for 60 s while 10,000 rows change (it is closed in the
 * middle of a burst, so a transaction is cut half-applied); after it comes back, every subscriber's view
 * equals the table, and each committed row change reached it exactly once, in order per item.
 */
describePostgres('change capture: an outage of the consumer', () => {
  describeRedis('on Redis', () => {
    let cluster: PgCluster;
    let pool: Pool;
    const prefix = uniquePrefix('capture-outage');
    const apps: StreamsTestApp[] = [];
    beforeAll(async () => {
      cluster = await PgCluster.start();
    }, 60_000);
    afterAll(async () => {
      for (const t of apps) await t.app.close();
      await pool?.end();
      await cluster?.dispose();
      await deletePrefix(prefix);
    });

    it(`down ${OUTAGE_MS / 1000} s while ${CHANGES} rows change: nothing lost, nothing repeated`, async () => {
      const url = await outboxDatabase(cluster, { migrate: false, setup: ITEMS_TABLE });
      pool = new Pool({ connectionString: url, max: 4 });
      const adapter = { type: 'redis' as const, url: REDIS_URL, keyPrefix: prefix };
      const consumer = () =>
        startStreamsApp({ adapter }, { imports: [StreamsPostgresModule.forRoot({ connectionString: url, outbox: false, capture: { tables: [{ table: 'items', stream: 'items', group: (row) => itemGroup(row.id), id: 'id' }] } })] });
      // The subscribers' instance never goes down; the consumer's does.
      const viewer = await startStreamsApp({ adapter });
      apps.push(viewer);
      const client = await TestClient.connect(viewer.url);
      await joinItemGroups(client);
      let capturing = await consumer();
      const rows = rowChanges(client);
      const { seed, delivered } = rows;

      await rows.change(pool, 1000);
      await waitFor(() => delivered() >= 1000, { ms: 30_000, what: `the first 1000 changes (seed ${seed})` });
      // Closed while a burst of large transactions is being applied: one is cut half-way.
      const burst = rows.change(pool, 2000);
      await waitFor(() => delivered() >= 1200, { ms: 30_000, what: 'the burst under way' });
      const downAt = Date.now();
      await capturing.app.close();
      await burst;
      await rows.change(pool, CHANGES - 3000);
      const stalled = delivered();
      await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - downAt))));
      expect(delivered()).toBe(stalled);
      console.log(`capture outage: consumer down ${Date.now() - downAt} ms, ${CHANGES - stalled} changes waiting in the slot`);

      const back = Date.now();
      capturing = await consumer();
      apps.push(capturing);
      await waitFor(() => delivered() >= CHANGES, { ms: 60_000, what: `${CHANGES} changes (seed ${seed}, ${delivered()} so far)` });
      const text = await capturing.app.get(StreamsMetrics).text();
      const replays = ['set', 'delete'].reduce((n, op) => n + (metricValue(text, `streams_idempotent_replays_total{operation="${op}"}`) ?? 0), 0);
      // Replays: changes of the transaction cut by the close, applied before it and sent again after the restart.
      console.log(`capture outage: ${CHANGES - stalled} changes caught up in ${Date.now() - back} ms after the restart (${replays} replays of a cut transaction)`);
      await new Promise((r) => setTimeout(r, 500));

      expect({ seed, delivered: delivered() }).toEqual({ seed, delivered: CHANGES });
      expect(rows.misdelivered()).toEqual({ seed, wrong: [] });
      const table = await sql<{ id: number; val: number }>(url, 'SELECT id, val FROM items ORDER BY id');
      const items = (await Promise.all(Array.from({ length: ITEM_GROUPS }, (_, g) => capturing.service.list<{ id: number; val: number }>({ stream_name: 'items', group_id: `g${g}` })))).flat();
      expect(items.sort((a, b) => a.id - b.id)).toEqual(table);
      client.close();
    }, 240_000);
  });
});
