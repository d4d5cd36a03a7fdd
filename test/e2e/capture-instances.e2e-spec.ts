import { StreamsMetrics } from 'nest-realtime-streams';
import { StreamsPostgresModule } from 'nest-realtime-streams/postgres';
import { Pool } from 'pg';
import { ChildLines } from '../support/child-lines';
import { itemGroup, ITEMS_TABLE, joinItemGroups, rowChanges } from '../support/capture-workload';
import { metricValue } from '../support/metrics-text';
import { outboxDatabase } from '../support/outbox-db';
import { describePostgres, PgCluster } from '../support/pg-cluster';
import { deletePrefix, describeRedis, REDIS_URL, uniquePrefix } from '../support/redis';
import { startStreamsApp, type StreamsTestApp } from '../support/streams-app';
import { waitFor } from '../support/wait-for';
import { TestClient } from '../support/ws-client';

const consuming = async (t: StreamsTestApp) => metricValue(await t.app.get(StreamsMetrics).text(), 'streams_capture_consumer') === 1;

/** SPEC §10 on several instances: one consumes the slot at a time; when it stops, another takes over, losing and repeating nothing. */
describePostgres('change capture: two app instances on Redis', () => {
  describeRedis('on Redis', () => {
    let cluster: PgCluster;
    const pools: Pool[] = [];
    const openPool = (url: string) => {
      const pool = new Pool({ connectionString: url, max: 4 });
      pools.push(pool);
      return pool;
    };
    const prefix = uniquePrefix('capture-two');
    const apps: StreamsTestApp[] = [];
    beforeAll(async () => {
      cluster = await PgCluster.start();
    }, 60_000);
    afterAll(async () => {
      for (const t of apps) await t.app.close();
      for (const pool of pools) await pool.end();
      await cluster?.dispose();
      await deletePrefix(prefix);
    });

    it('the active consumer closes in the middle of a stream of changes: the other takes over, every change arrives once', async () => {
      const url = await outboxDatabase(cluster, { migrate: false, setup: ITEMS_TABLE });
      const pool = openPool(url);
      const adapter = { type: 'redis' as const, url: REDIS_URL, keyPrefix: prefix };
      const capture = { slot: 'two_closed', retryMs: 200, tables: [{ table: 'items', stream: 'items', group: (row: { id: number }) => itemGroup(row.id), id: 'id' }] };
      const a = await startStreamsApp({ adapter }, { imports: [StreamsPostgresModule.forRoot({ connectionString: url, outbox: false, capture })] });
      apps.push(a);
      const second = await startStreamsApp({ adapter }, { imports: [StreamsPostgresModule.forRoot({ connectionString: url, outbox: false, capture })] });
      apps.push(second);
      // Subscribers on the instance that stays.
      await waitFor(async () => (await consuming(a)) !== (await consuming(second)), { what: 'one consumer' });
      const [active, standby] = (await consuming(a)) ? [a, second] : [second, a];
      const client = await TestClient.connect(standby.url);
      await joinItemGroups(client);
      const rows = rowChanges(client);
      const { seed, delivered } = rows;

      const writing = rows.change(pool, 4000);
      await waitFor(() => delivered() >= 800, { ms: 30_000, what: `changes flowing (seed ${seed})` });
      expect(await consuming(standby)).toBe(false);
      const closedAt = Date.now();
      await active.app.close();
      apps.splice(apps.indexOf(active), 1);
      await waitFor(() => consuming(standby), { ms: 10_000, what: 'the standby taking over' });
      console.log(`capture take-over: the standby consumed ${Date.now() - closedAt} ms after the active instance closed`);
      await writing;
      await waitFor(() => delivered() >= 4000, { ms: 60_000, what: `4000 changes (seed ${seed}, ${delivered()} so far)` });
      await new Promise((r) => setTimeout(r, 500));
      expect({ seed, delivered: delivered() }).toEqual({ seed, delivered: 4000 });
      expect(rows.misdelivered()).toEqual({ seed, wrong: [] });
      expect(metricValue(await standby.app.get(StreamsMetrics).text(), 'streams_capture_writes_total{operation="set"}')).toBeGreaterThan(0);
      client.close();
    }, 120_000);

    it('the active consumer is killed (SIGKILL) in the middle of a stream of changes: the other takes over, every change arrives once', async () => {
      const url = await outboxDatabase(cluster, { migrate: false, setup: ITEMS_TABLE });
      const pool = openPool(url);
      const killPrefix = `${prefix}-kill`;
      const viewer = await startStreamsApp({ adapter: { type: 'redis', url: REDIS_URL, keyPrefix: killPrefix } });
      apps.push(viewer);
      const consumers: ChildLines[] = [];
      try {
        // The first one started takes the slot; the second waits.
        for (const awaited of ['consuming', 'ready']) {
          const consumer = ChildLines.start('capture-consumer.app.ts', [url, REDIS_URL, killPrefix]);
          consumers.push(consumer);
          await consumer.until(() => consumer.lines.includes(awaited));
        }
        const client = await TestClient.connect(viewer.url);
        await joinItemGroups(client);
        const rows = rowChanges(client);
        const { seed, delivered } = rows;
        const writing = rows.change(pool, 4000);
        await waitFor(() => delivered() >= 800, { ms: 30_000, what: `changes flowing (seed ${seed})` });
        expect(consumers[1].lines).not.toContain('consuming');
        const killedAt = Date.now();
        consumers[0].child.kill('SIGKILL');
        await consumers[1].until(() => consumers[1].lines.includes('consuming'));
        console.log(`capture take-over: the standby consumed ${Date.now() - killedAt} ms after the active instance was killed`);
        await writing;
        await waitFor(() => delivered() >= 4000, { ms: 60_000, what: `4000 changes (seed ${seed}, ${delivered()} so far)` });
        await new Promise((r) => setTimeout(r, 500));
        expect({ seed, delivered: delivered() }).toEqual({ seed, delivered: 4000 });
        expect(rows.misdelivered()).toEqual({ seed, wrong: [] });
        client.close();
      } finally {
        for (const consumer of consumers) consumer.child.kill('SIGKILL');
        await deletePrefix(killPrefix);
      }
    }, 120_000);
  });
});
