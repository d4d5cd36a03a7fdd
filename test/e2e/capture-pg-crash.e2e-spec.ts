import { TerminusModule } from '@nestjs/terminus';
import { StreamsMetrics } from 'nest-realtime-streams';
import { StreamsHealthIndicator } from 'nest-realtime-streams/health';
import { StreamsPostgresModule } from 'nest-realtime-streams/postgres';
import { Pool } from 'pg';
import { itemGroup, ITEMS_TABLE, joinItemGroups, rowChanges } from '../support/capture-workload';
import { metricValue } from '../support/metrics-text';
import { outboxDatabase } from '../support/outbox-db';
import { describePostgres, PgCluster } from '../support/pg-cluster';
import { startStreamsApp } from '../support/streams-app';
import { waitFor } from '../support/wait-for';
import { TestClient } from '../support/ws-client';

/**
 * PostgreSQL itself crashes (SIGKILL of the postmaster) after a stream of changes: the slot's confirmed
 * position may come back older than what was applied (PostgreSQL persists it lazily), so transactions are
 * sent again; their keys make them replays. The app stays up (memory adapter), its health is down while the
 * server is, and every change reaches the subscriber exactly once.
 */
describePostgres('change capture: PostgreSQL crashes and comes back', () => {
  let cluster: PgCluster;
  beforeAll(async () => {
    cluster = await PgCluster.start();
  }, 60_000);
  afterAll(() => cluster?.dispose());

  it('kill -9 of the server after 1,500 changes: health down, the changes it sends again are replays, every change once', async () => {
    const url = await outboxDatabase(cluster, { migrate: false, setup: ITEMS_TABLE });
    const { app, url: wsUrl } = await startStreamsApp(
      {},
      { imports: [TerminusModule, StreamsPostgresModule.forRoot({ connectionString: url, outbox: false, capture: { retryMs: 200, tables: [{ table: 'items', stream: 'items', group: (row) => itemGroup(row.id), id: 'id' }] } })], providers: [StreamsHealthIndicator] },
    );
    const pool = new Pool({ connectionString: url, max: 4 });
    // The pool's idle connections die with the server: reported here, not thrown.
    pool.on('error', () => undefined);
    try {
      const health = app.get(StreamsHealthIndicator);
      const client = await TestClient.connect(wsUrl);
      await joinItemGroups(client);
      const rows = rowChanges(client);
      const { seed, delivered } = rows;

      await rows.change(pool, 1500);
      await waitFor(() => delivered() >= 1500, { ms: 30_000, what: `1500 changes (seed ${seed})` });
      await cluster.stop('SIGKILL');
      await waitFor(async () => (await health.isPostgresHealthy()).streams_postgres.status === 'down', { what: 'health down' });
      await cluster.restart();
      await rows.change(pool, 1500);
      await waitFor(() => delivered() >= 3000, { ms: 30_000, what: `3000 changes (seed ${seed}, ${delivered()} so far)` });
      await waitFor(async () => (await health.isPostgresHealthy()).streams_postgres.status === 'up', { ms: 10_000, what: 'health up' });
      await new Promise((r) => setTimeout(r, 500));
      expect({ seed, delivered: delivered() }).toEqual({ seed, delivered: 3000 });
      expect(rows.misdelivered()).toEqual({ seed, wrong: [] });
      const text = await app.get(StreamsMetrics).text();
      const replays = ['set', 'delete'].reduce((n, op) => n + (metricValue(text, `streams_idempotent_replays_total{operation="${op}"}`) ?? 0), 0);
      console.log(`capture after a PostgreSQL crash: ${replays} changes sent again were replays; ${metricValue(text, 'streams_capture_errors_total')} failed sessions`);
      client.close();
    } finally {
      await app.close();
      await pool.end();
    }
  }, 90_000);
});
