import { Test } from '@nestjs/testing';
import { TerminusModule } from '@nestjs/terminus';
import { StreamsMetrics, StreamsModule } from 'nest-realtime-streams';
import { StreamsHealthIndicator } from 'nest-realtime-streams/health';
import { StreamsOutbox, StreamsPostgresModule, type StreamsPostgresModuleOptions } from 'nest-realtime-streams/postgres';
import { Pool, type PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { metricValue } from '../support/metrics-text';
import { outboxDatabase, sql } from '../support/outbox-db';
import { describePostgres, PgCluster } from '../support/pg-cluster';
import { startStreamsApp, type StreamsTestApp } from '../support/streams-app';
import { waitFor } from '../support/wait-for';
import { type Frame, TestClient } from '../support/ws-client';

/** A small seeded PRNG (mulberry32), so a failing run can be replayed from the seed it prints. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function inTransaction(pool: Pool, run: (client: PoolClient) => Promise<void>, commit = true): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await run(client);
    await client.query(commit ? 'COMMIT' : 'ROLLBACK');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

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
    const url = await outboxDatabase(cluster, { setup: 'CREATE TABLE counters (grp text PRIMARY KEY, n int NOT NULL)' });
    const { outbox, pool, url: wsUrl } = await start(url);
    const GROUPS = Array.from({ length: 8 }, (_, i) => `g${i}`);
    await sql(url, `INSERT INTO counters SELECT g, 0 FROM unnest($1::text[]) AS g`, [GROUPS]);
    const clients = new Map<string, TestClient>();
    for (const group of GROUPS) {
      const client = await TestClient.connect(wsUrl);
      client.join('s', 'rand', group);
      await client.next((f) => f.event?.type === 'sync');
      clients.set(group, client);
    }
    const seed = Date.now() % 100_000;
    const rand = random(seed);
    const pick = <T>(items: T[]) => items[Math.floor(rand() * items.length)];
    // What each group must show: its committed writes, ordered by the counter its transactions took in turn.
    const expected = new Map<string, string[]>(GROUPS.map((g) => [g, []]));
    let committed = 0;
    let rolledBack = 0;
    let next = 0;
    const worker = async () => {
      while (next < 1000) {
        next++;
        const groups = [...new Set([pick(GROUPS), pick(GROUPS), pick(GROUPS)].slice(0, 1 + Math.floor(rand() * 3)))].sort();
        const commit = rand() >= 1 / 3;
        const writes: Array<[string, string]> = [];
        await inTransaction(
          pool,
          async (client) => {
            for (const group of groups) {
              // The counter's row lock orders this group's transactions by commit, independently of the outbox.
              const [{ n }] = (await client.query<{ n: number }>('UPDATE counters SET n = n + 1 WHERE grp = $1 RETURNING n', [group])).rows;
              for (let k = 0; k < 1 + Math.floor(rand() * 2); k++) {
                const mark = `${n}.${k}`;
                const target = { stream_name: 'rand', group_id: group };
                const kind = pick(['set', 'update', 'send'] as const);
                if (kind === 'set') await outbox.with(client).set({ ...target, item_id: `i${Math.floor(rand() * 4)}`, data: { mark } });
                else if (kind === 'update') await outbox.with(client).update({ ...target, item_id: `i${Math.floor(rand() * 4)}`, ops: [{ type: 'set', path: 'mark', value: mark }] });
                else await outbox.with(client).send({ ...target, type: 'note', data: { mark } });
                writes.push([group, mark]);
              }
            }
          },
          commit,
        );
        if (!commit) {
          rolledBack++;
          continue;
        }
        committed++;
        for (const [group, mark] of writes) expected.get(group)!.push(mark);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    const marks = (frames: Frame[]) =>
      frames
        .filter((f) => f.event && f.event.type !== 'sync')
        .map((f) => ((f.event!.type === 'event' ? f.event!.event!.data : f.event!.data) as { mark: string }).mark);
    const order = (mark: string) => mark.split('.').map(Number);
    for (const marksOf of expected.values()) marksOf.sort((a, b) => order(a)[0] - order(b)[0] || order(a)[1] - order(b)[1]);
    const total = [...expected.values()].reduce((sum, m) => sum + m.length, 0);
    await waitFor(() => [...clients.values()].reduce((sum, c) => sum + marks(c.frames).length, 0) >= total, { ms: 20_000, what: `${total} frames (seed ${seed})` });
    await new Promise((r) => setTimeout(r, 100));
    for (const [group, client] of clients) expect({ group, seed, marks: marks(client.frames) }).toEqual({ group, seed, marks: expected.get(group) });
    expect(committed + rolledBack).toBe(1000);
    expect(rolledBack).toBeGreaterThan(250);
    expect(await sql(url, 'SELECT count(*)::int AS n FROM streams_outbox')).toEqual([{ n: 0 }]);
    for (const client of clients.values()) client.close();
  }, 90_000);

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
    expect(await sql(url, 'SELECT count(*)::int AS n FROM streams_outbox')).toEqual([{ n: 0 }]);
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
    const moduleRef = await Test.createTestingModule({
      imports: [TerminusModule, StreamsModule.forRoot({ port: 0, host: '127.0.0.1' }), StreamsPostgresModule.forRoot({ connectionString: url, outbox: { pollIntervalMs: 50 } })],
      providers: [StreamsHealthIndicator],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
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
