import { TerminusModule } from '@nestjs/terminus';
import { StreamsMetrics } from 'nest-realtime-streams';
import { StreamsHealthIndicator } from 'nest-realtime-streams/health';
import { StreamsOutbox, StreamsPostgresModule, type StreamsPostgresModuleOptions } from 'nest-realtime-streams/postgres';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { metricValue } from '../support/metrics-text';
import { outboxDatabase, outboxDrained, sql } from '../support/outbox-db';
import { COUNTERS_TABLE, inTransaction, marksOf, randomTransactions } from '../support/outbox-workload';
import { describePostgres, PgCluster } from '../support/pg-cluster';
import { startStreamsApp, type StreamsTestApp } from '../support/streams-app';
import { waitFor } from '../support/wait-for';
import { TestClient } from '../support/ws-client';

describePostgres('outbox relay (SPEC §10)', () => {
  let cluster: PgCluster;
  beforeAll(async () => {
    cluster = await PgCluster.start();
  }, 60_000);
  afterAll(() => cluster?.dispose());

  const apps: StreamsTestApp[] = [];
  const pools: Pool[] = [];
  afterEach(async () => {
    for (const t of apps.splice(0)) await t.app.close();
    for (const pool of pools.splice(0)) await pool.end();
  });

  async function start(url: string, options: Omit<StreamsPostgresModuleOptions, 'connectionString'> = {}) {
    const t = await startStreamsApp({}, { imports: [StreamsPostgresModule.forRoot({ connectionString: url, ...options })] });
    apps.push(t);
    const pool = new Pool({ connectionString: url, max: 12 });
    pool.on('error', () => undefined);
    pools.push(pool);
    return { ...t, outbox: t.app.get(StreamsOutbox), pool };
  }

  it('without the migration the app does not start, and the error names the migration', async () => {
    const url = await outboxDatabase(cluster, { migrate: false });
    await expect(startStreamsApp({}, { imports: [StreamsPostgresModule.forRoot({ connectionString: url })] })).rejects.toThrow(
      /the outbox table streams_outbox does not exist: run the outbox migration first \(outboxMigration\("streams_outbox"\)\.up or migrateOutbox\(\)/,
    );
    expect(await sql(url, "SELECT to_regclass('streams_outbox') AS t")).toEqual([{ t: null }]);
  });

  it('1,000 randomized transactions, a third rolled back: subscribers see exactly the committed writes, in commit order per group', async () => {
    const url = await outboxDatabase(cluster, { setup: COUNTERS_TABLE });
    const { outbox, pool, url: wsUrl } = await start(url);
    const groups = Array.from({ length: 8 }, (_, i) => `g${i}`);
    const clients = new Map<string, TestClient>();
    for (const group of groups) {
      const client = await TestClient.connect(wsUrl);
      client.join('s', 'rand', group);
      await client.next((f) => f.event?.type === 'sync');
      clients.set(group, client);
    }
    const { seed, expected, committed, rolledBack } = await randomTransactions(pool, outbox, { stream: 'rand', groups, count: 1000 });
    const total = [...expected.values()].reduce((sum, m) => sum + m.length, 0);
    await waitFor(() => [...clients.values()].reduce((sum, c) => sum + marksOf(c.frames).length, 0) >= total, { ms: 20_000, what: `${total} frames (seed ${seed})` });
    await new Promise((r) => setTimeout(r, 100));
    for (const [group, client] of clients) expect({ group, seed, marks: marksOf(client.frames) }).toEqual({ group, seed, marks: expected.get(group) });
    expect(committed + rolledBack).toBe(1000);
    expect(rolledBack).toBeGreaterThan(250);
    await outboxDrained(url);
    for (const client of clients.values()) client.close();
  }, 90_000);

  it("a group's rows are numbered in commit order: a second transaction's write to the group waits for the first one's end", async () => {
    const url = await outboxDatabase(cluster);
    const { outbox, pool } = await start(url, { outbox: { relay: false } });
    const [first, second] = [await pool.connect(), await pool.connect()];
    try {
      const target = { stream_name: 'orders', group_id: 'shop-1', type: 'placed' };
      await first.query('BEGIN');
      await second.query('BEGIN');
      await outbox.with(first).send({ ...target, data: 'first' });
      const waiting = outbox.with(second).send({ ...target, data: 'second' });
      await waitFor(async () => (await sql(url, "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")).length === 1, { what: 'the second write waiting' });
      await outbox.with(first).send({ stream_name: 'orders', group_id: 'shop-2', type: 'placed', data: 'other group' });
      await first.query('COMMIT');
      await waiting;
      await second.query('COMMIT');
      const rows = await sql<{ group_id: string; data: string }>(url, "SELECT group_id, payload->>'data' AS data FROM streams_outbox ORDER BY id");
      expect(rows).toEqual([
        { group_id: 'shop-1', data: 'first' },
        { group_id: 'shop-2', data: 'other group' },
        { group_id: 'shop-1', data: 'second' },
      ]);
    } finally {
      first.release();
      second.release();
    }
  });

  it('2,000 commits into 40 groups with polling slowed to a minute: all arrive within seconds, in order per group, however passes overlap', async () => {
    const url = await outboxDatabase(cluster);
    // Only notifications and the relay's own wake-ups start passes: a row a pass skipped (its group held by the
    // pass before) and nobody picked up would wait a minute and fail the test.
    const { outbox, pool, url: wsUrl } = await start(url, { outbox: { pollIntervalMs: 60_000, batchSize: 20 } });
    const groups = Array.from({ length: 40 }, (_, i) => `g${i}`);
    const client = await TestClient.connect(wsUrl);
    for (const group of groups) client.join(group, 'ticks', group);
    await waitFor(() => client.frames.filter((f) => f.event?.type === 'sync').length === groups.length, { what: 'the syncs' });
    const PER_GROUP = 50;
    await Promise.all(
      groups.map(async (group) => {
        for (let n = 0; n < PER_GROUP; n++) await inTransaction(pool, async (tx) => void (await outbox.with(tx).send({ stream_name: 'ticks', group_id: group, type: 'tick', data: n })));
      }),
    );
    const ticks = () => client.frames.filter((f) => f.event?.type === 'event');
    await waitFor(() => ticks().length === groups.length * PER_GROUP, { ms: 10_000, what: () => `every tick (${ticks().length} of ${groups.length * PER_GROUP})` });
    for (const group of groups) {
      expect({ group, ticks: ticks().filter((f) => f.groupId === group).map((f) => f.event!.event!.data) }).toEqual({ group, ticks: Array.from({ length: PER_GROUP }, (_, n) => n) });
    }
    await outboxDrained(url);
    client.close();
  }, 60_000);

  it('a write its condition refuses is dead-lettered (logged, counted) and its group goes on', async () => {
    const url = await outboxDatabase(cluster);
    const { outbox, pool, url: wsUrl, app } = await start(url);
    const client = await TestClient.connect(wsUrl);
    client.join('s', 'jobs', 'q');
    await client.next((f) => f.event?.type === 'sync');
    const target = { stream_name: 'jobs', group_id: 'q', item_id: 'j1' };
    await inTransaction(pool, async (tx) => {
      await outbox.with(tx).set({ ...target, data: 1, if_absent: true });
      await outbox.with(tx).set({ ...target, data: 2, if_absent: true });
      await outbox.with(tx).send({ stream_name: 'jobs', group_id: 'q', type: 'after', data: 3 });
    });
    await client.next((f) => f.event?.type === 'create');
    const after = await client.next((f) => f.event?.type === 'event');
    expect(after.event!.event).toEqual({ type: 'after', data: 3 });
    const dead = await sql(url, 'SELECT stream_name, group_id, operation, payload, attempts, error_code FROM streams_outbox_dead');
    expect(dead).toEqual([{ stream_name: 'jobs', group_id: 'q', operation: 'set', payload: { item_id: 'j1', if_absent: true, data: 2 }, attempts: 1, error_code: 'exists' }]);
    await outboxDrained(url);
    const metrics = await app.get(StreamsMetrics).text();
    expect(metricValue(metrics, 'streams_outbox_failures_total{outcome="dead"}')).toBe(1);
    expect(metricValue(metrics, 'streams_outbox_relayed_total{operation="set"}')).toBe(1);
    expect(metricValue(metrics, 'streams_outbox_relayed_total{operation="send"}')).toBe(1);
    client.close();
  });

  it('refuses handles that are not an open transaction, and input StreamsService would refuse, inside the transaction', async () => {
    const url = await outboxDatabase(cluster);
    const { outbox, pool } = await start(url);
    const target = { stream_name: 's', group_id: 'g', item_id: 'i', data: 1 };
    expect(() => outbox.with(pool)).toThrow(expect.objectContaining({ code: 'outbox_not_in_transaction' }));
    const dataSource = await new DataSource({ type: 'postgres', url }).initialize();
    try {
      expect(() => outbox.with(dataSource.manager)).toThrow(/TypeORM EntityManager is not an open transaction/);
      await dataSource.transaction((manager) => outbox.with(manager).set(target));
    } finally {
      await dataSource.destroy();
    }
    await expect(outbox.set(target)).rejects.toThrow(/needs ClsModule with ClsPluginTransactional/);
    await expect(inTransaction(pool, (tx) => outbox.with(tx).set({ ...target, idempotency_key: 'k' } as never).then(() => undefined))).rejects.toMatchObject({ field: 'idempotency_key' });
    await expect(inTransaction(pool, (tx) => outbox.with(tx).update({ ...target, ops: 'x' as never }).then(() => undefined))).rejects.toMatchObject({ code: 'STREAM_INVALID_INPUT', field: 'ops' });
  });

  it('the health indicator reports PostgreSQL and the relay: up, down while the server is gone, up again', async () => {
    const url = await outboxDatabase(cluster);
    const { app } = await startStreamsApp({}, { imports: [TerminusModule, StreamsPostgresModule.forRoot({ connectionString: url, outbox: { pollIntervalMs: 50 } })], providers: [StreamsHealthIndicator] });
    try {
      const health = app.get(StreamsHealthIndicator);
      await expect(health.isPostgresHealthy()).resolves.toEqual({ streams_postgres: { status: 'up' } });
      await cluster.stop();
      await waitFor(async () => (await health.isPostgresHealthy()).streams_postgres.status === 'down', { what: 'down' });
      await cluster.restart();
      await waitFor(async () => (await health.isPostgresHealthy()).streams_postgres.status === 'up', { ms: 10_000, what: 'up again' });
    } finally {
      await app.close();
    }
  }, 30_000);
});
