import { TerminusModule } from '@nestjs/terminus';
import { StreamsMetrics } from 'nest-realtime-streams';
import { StreamsHealthIndicator } from 'nest-realtime-streams/health';
import { StreamsCaptureError, StreamsPostgresModule, type StreamsCaptureOptions } from 'nest-realtime-streams/postgres';
import { metricValue } from '../support/metrics-text';
import { outboxDatabase, sql } from '../support/outbox-db';
import { describePostgres, PgCluster } from '../support/pg-cluster';
import { startStreamsApp, type StreamsTestApp } from '../support/streams-app';
import { waitFor } from '../support/wait-for';
import { type Frame, TestClient } from '../support/ws-client';

const ORDERS = 'CREATE TABLE orders (id int PRIMARY KEY, shop text NOT NULL, total int NOT NULL, note text)';
const changes = (frames: Frame[]) => frames.filter((f) => f.type === 'stream' && f.event && f.event.type !== 'sync').map((f) => ({ type: f.event!.type, id: f.id, data: f.event!.data }));

/** SPEC §10 change capture: rows of a declared table reach subscribers as items, through a durable slot. */
describePostgres('change capture', () => {
  let cluster: PgCluster;
  const apps: StreamsTestApp[] = [];
  beforeAll(async () => {
    cluster = await PgCluster.start();
  }, 60_000);
  afterEach(async () => {
    for (const t of apps.splice(0)) await t.app.close();
  });
  afterAll(() => cluster?.dispose());

  const start = async (url: string, capture: StreamsCaptureOptions) => {
    const t = await startStreamsApp({}, { imports: [StreamsPostgresModule.forRoot({ connectionString: url, outbox: false, capture })] });
    apps.push(t);
    return t;
  };

  it('inserted, updated and deleted rows reach a subscriber as create, update and delete; the column filter holds; a rollback is never seen', async () => {
    const url = await outboxDatabase(cluster, { migrate: false, setup: `${ORDERS}; ALTER TABLE orders REPLICA IDENTITY FULL` });
    const t = await start(url, { slot: 'orders_e2e', tables: [{ table: 'orders', stream: 'orders', group: 'shop', id: 'id', columns: ['id', 'shop', 'total'] }] });
    const client = await TestClient.connect(t.url);
    client.join('s', 'orders', 'shop-1');
    await client.next((f) => f.event?.type === 'sync');
    await sql(url, "INSERT INTO orders VALUES (1, 'shop-1', 10, 'secret'), (2, 'shop-2', 20, 'other shop')");
    await sql(url, "BEGIN; INSERT INTO orders VALUES (3, 'shop-1', 30, 'rolled back'); ROLLBACK");
    await sql(url, "UPDATE orders SET total = 11, note = 'still secret' WHERE id = 1");
    await sql(url, 'DELETE FROM orders WHERE id = 1');
    await waitFor(() => changes(client.frames).length >= 3, { what: 'three changes' });
    await new Promise((r) => setTimeout(r, 200));
    expect(changes(client.frames)).toEqual([
      { type: 'create', id: '1', data: { id: 1, shop: 'shop-1', total: 10 } },
      { type: 'update', id: '1', data: { id: 1, shop: 'shop-1', total: 11 } },
      { type: 'delete', id: '1', data: { id: 1, shop: 'shop-1', total: 11 } },
    ]);
    expect(await t.service.list({ stream_name: 'orders', group_id: 'shop-2' })).toEqual([{ id: 2, shop: 'shop-2', total: 20 }]);
    const text = await t.app.get(StreamsMetrics).text();
    expect(metricValue(text, 'streams_capture_writes_total{operation="set"}')).toBe(3);
    expect(metricValue(text, 'streams_capture_consumer')).toBe(1);
    client.close();
  }, 30_000);

  it('a row moving to another group leaves the old one; a filter turns rows into no item; a group function sees each row', async () => {
    const url = await outboxDatabase(cluster, { migrate: false, setup: `${ORDERS}; ALTER TABLE orders REPLICA IDENTITY FULL` });
    const t = await start(url, {
      slot: 'orders_moves',
      tables: [
        { table: 'orders', stream: 'orders', group: 'shop', id: 'id', columns: ['id', 'total'], filter: (row) => row.total > 0 },
        { table: 'orders', stream: 'big', group: (row) => (row.total >= 100 ? 'big' : 'small'), id: 'id', columns: ['id'] },
      ],
    });
    await sql(url, "INSERT INTO orders VALUES (1, 'a', 5), (2, 'a', 0), (3, 'a', 150)");
    await sql(url, "UPDATE orders SET shop = 'b' WHERE id = 1");
    await sql(url, 'UPDATE orders SET total = 0 WHERE id = 3');
    await waitFor(async () => (await t.service.list({ stream_name: 'big', group_id: 'small' })).length === 3, { what: 'the small group' });
    expect(await t.service.list({ stream_name: 'orders', group_id: 'a' })).toEqual([]);
    expect(await t.service.list({ stream_name: 'orders', group_id: 'b' })).toEqual([{ id: 1, total: 5 }]);
    expect(await t.service.list({ stream_name: 'big', group_id: 'big' })).toEqual([]);
  }, 30_000);

  it('refuses to start, naming the fix, when a delete would not carry the group, or a declared column is missing', async () => {
    const url = await outboxDatabase(cluster, { migrate: false, setup: ORDERS });
    await expect(start(url, { slot: 'refused', tables: [{ table: 'orders', stream: 'o', group: 'shop', id: 'id' }] })).rejects.toThrow(
      new StreamsCaptureError(
        'capture_replica_identity',
        'capture: table public.orders (stream o): a delete carries only the table\'s replica identity, DEFAULT (the primary key), which is only id; the item\'s shop would be unknown. Run ALTER TABLE "public"."orders" REPLICA IDENTITY FULL (or add a primary key holding them)',
      ),
    );
    await expect(start(url, { slot: 'refused', tables: [{ table: 'orders', stream: 'o', group: () => 'all', id: 'id', columns: ['id', 'price'] }] })).rejects.toThrow(
      'capture: table public.orders (stream o) has no column price (its columns: id, shop, total, note)',
    );
  }, 30_000);

  it('health: down when the slot falls more than maxLagBytes behind with no consumer, up once one catches up', async () => {
    const url = await outboxDatabase(cluster, { migrate: false, setup: ORDERS });
    const capture = (consumer: boolean): StreamsCaptureOptions => ({ slot: 'lagging', consumer, maxLagBytes: 64 * 1024, tables: [{ table: 'orders', stream: 'o', group: () => 'all', id: 'id' }] });
    const { app } = await startStreamsApp({}, { imports: [TerminusModule, StreamsPostgresModule.forRoot({ connectionString: url, outbox: false, capture: capture(false) })], providers: [StreamsHealthIndicator] });
    try {
      const health = app.get(StreamsHealthIndicator);
      await expect(health.isPostgresHealthy()).resolves.toEqual({ streams_postgres: { status: 'up' } });
      await sql(url, "INSERT INTO orders SELECT i, 'x', i, repeat('n', 100) FROM generate_series(1, 2000) i");
      const down = await health.isPostgresHealthy();
      expect(down.streams_postgres.status).toBe('down');
      expect(down.streams_postgres.message).toMatch(/^change capture: the replication slot lagging is \d+ bytes behind \(capture\.maxLagBytes 65536\): no instance consumes it$/);
      expect(metricValue(await app.get(StreamsMetrics).text(), 'streams_capture_lag_bytes')).toBeGreaterThan(64 * 1024);
      const t = await start(url, capture(true));
      await waitFor(async () => (await t.service.list({ stream_name: 'o', group_id: 'all' })).length === 2000, { ms: 20_000, what: '2000 items' });
      await waitFor(async () => (await health.isPostgresHealthy()).streams_postgres.status === 'up', { ms: 10_000, what: 'health up' });
    } finally {
      await app.close();
    }
  }, 60_000);

  it('a slot dropped by an operator while the app runs: health down naming it, subscribers re-synced with continuityLost, the slot not re-created', async () => {
    const url = await outboxDatabase(cluster, { migrate: false, setup: ORDERS });
    const { app, url: wsUrl } = await startStreamsApp({}, { imports: [TerminusModule, StreamsPostgresModule.forRoot({ connectionString: url, outbox: false, capture: { slot: 'dropped', retryMs: 300, tables: [{ table: 'orders', stream: 'o', group: () => 'all', id: 'id' }] } })], providers: [StreamsHealthIndicator] });
    try {
      const health = app.get(StreamsHealthIndicator);
      await waitFor(async () => metricValue(await app.get(StreamsMetrics).text(), 'streams_capture_consumer') === 1, { what: 'the consumer' });
      const client = await TestClient.connect(wsUrl);
      client.join('s', 'o', 'all');
      await client.next((f) => f.event?.type === 'sync');
      // The operator ends the consumer's connection and drops the slot before it comes back (retryMs later):
      // each pass either ends the connection or, once the slot is idle, drops it; a pass that loses the race
      // to the consumer's reconnect (the slot active again) fails and the next one tries again.
      const gone = async () => (await sql(url, "SELECT 1 FROM pg_replication_slots WHERE slot_name = 'dropped'")).length === 0;
      await waitFor(
        async () => {
          await sql(
            url,
            "SELECT CASE WHEN active THEN pg_terminate_backend(active_pid) ELSE pg_drop_replication_slot('dropped') IS NULL END FROM pg_replication_slots WHERE slot_name = 'dropped'",
          ).catch(() => undefined);
          return gone();
        },
        { ms: 15_000, everyMs: 20, what: 'the slot dropped' },
      );
      // First the ended connection, then (after retryMs) the missing slot.
      await waitFor(async () => /does not exist/.test((await health.isPostgresHealthy()).streams_postgres.message ?? ''), { what: 'health down naming the slot' });
      expect(await health.isPostgresHealthy()).toEqual({ streams_postgres: { status: 'down', message: expect.stringMatching(/^change capture: the replication slot dropped does not exist: it was dropped while the app ran; changes made since are lost/) } });
      await client.next((f) => f.event?.type === 'sync' && f.event.continuityLost === true);
      await new Promise((r) => setTimeout(r, 1000));
      expect(await sql(url, "SELECT 1 FROM pg_replication_slots WHERE slot_name = 'dropped'")).toEqual([]);
      client.close();
    } finally {
      await app.close();
    }
  }, 30_000);
});

describePostgres('change capture without wal_level=logical', () => {
  let cluster: PgCluster;
  beforeAll(async () => {
    cluster = await PgCluster.start({ settings: { wal_level: 'replica' } });
  }, 60_000);
  afterAll(() => cluster?.dispose());

  it('fails bootstrap with an error naming the setting', async () => {
    const url = await outboxDatabase(cluster, { migrate: false, setup: ORDERS });
    const failed = startStreamsApp({}, { imports: [StreamsPostgresModule.forRoot({ connectionString: url, outbox: false, capture: { tables: [{ table: 'orders', stream: 'o', group: () => 'all', id: 'id' }] } })] });
    await expect(failed).rejects.toThrow(expect.objectContaining({ code: 'capture_wal_level' }));
    await expect(failed).rejects.toThrow(/^change capture needs wal_level=logical, and this PostgreSQL server has wal_level=replica: set wal_level = logical in postgresql\.conf/);
  }, 30_000);
});
