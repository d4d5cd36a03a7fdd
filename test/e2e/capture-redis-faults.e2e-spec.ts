import { StreamsMetrics } from 'nest-realtime-streams';
import { type GroupSubscription, StreamsClient, type WebSocketConstructor } from 'nest-realtime-streams-client';
import { StreamsPostgresModule } from 'nest-realtime-streams/postgres';
import { Pool } from 'pg';
import WebSocket from 'ws';
import { changeRows, ITEM_GROUPS, itemGroup, ITEMS_TABLE } from '../support/capture-workload';
import { metricValue } from '../support/metrics-text';
import { outboxDatabase, sql } from '../support/outbox-db';
import { random } from '../support/outbox-workload';
import { describePostgres, PgCluster } from '../support/pg-cluster';
import { describeRedis, ThrowawayRedis } from '../support/redis';
import { startStreamsApp, type StreamsTestApp } from '../support/streams-app';
import { waitFor } from '../support/wait-for';

type Row = { id: number; val: number };

/**
 * SPEC §10 with §7.9: the store behind the captured streams blips while the table keeps changing. Writes fail
 * while Redis is frozen or down, so the consumer confirms nothing and streams again from its last confirmed
 * commit until they succeed: nothing is lost, nothing is applied twice (the keys turn repeats into replays),
 * and a connected client ends with a view equal to the table (re-synced, and told, where the hub could not
 * prove its frames complete).
 */
describePostgres('change capture: the store blips', () => {
  describeRedis(
    'on a Redis of its own',
    () => {
      let cluster: PgCluster;
      let redis: ThrowawayRedis;
      let pool: Pool;
      let t: StreamsTestApp;
      let client: StreamsClient;
      beforeAll(async () => {
        [cluster, redis] = await Promise.all([PgCluster.start(), ThrowawayRedis.start({ persistent: true })]);
      }, 60_000);
      afterAll(async () => {
        client?.close();
        await t?.app.close();
        await pool?.end();
        await Promise.all([cluster?.dispose(), redis?.dispose()]);
      });

      it('frozen 3 s, then killed and restarted from its append-only file: the server and a client end equal to the table', async () => {
        const url = await outboxDatabase(cluster, { migrate: false, setup: ITEMS_TABLE });
        pool = new Pool({ connectionString: url, max: 4 });
        t = await startStreamsApp(
          { adapter: { type: 'redis', url: redis.url, keyPrefix: 'capture-faults', commandTimeoutMs: 500 } },
          { imports: [StreamsPostgresModule.forRoot({ connectionString: url, outbox: false, capture: { retryMs: 200, tables: [{ table: 'items', stream: 'items', group: (row) => itemGroup(row.id), id: 'id' }] } })] },
        );
        client = new StreamsClient({ url: t.url, WebSocket: WebSocket as unknown as WebSocketConstructor, reconnect: { initialDelayMs: 50, maxDelayMs: 200 } });
        const subs = Array.from({ length: ITEM_GROUPS }, (_, g) => client.subscribeGroup('items', `g${g}`));
        const seed = Date.now() % 1_000_000;
        const state = { live: [] as number[], next: 1, expected: new Map<string, string[]>() };
        const rng = random(seed);
        const change = (count: number) => changeRows(pool, count, state, rng);
        const table = () => sql<Row>(url, 'SELECT id, val FROM items ORDER BY id');
        // Null while the app's Redis connection is not back yet.
        const served = () =>
          Promise.all(subs.map((_, g) => t.service.list<Row>({ stream_name: 'items', group_id: `g${g}` }))).then(
            (groups) => groups.flat().sort(byId),
            () => null,
          );
        const mirrored = (list: GroupSubscription<unknown>[]) => list.flatMap((s) => [...s.items.values()] as Row[]).sort(byId);
        const caughtUp = async (what: string) => {
          const expected = await table();
          await waitFor(async () => same(await served(), expected) && same(mirrored(subs), expected), { ms: 30_000, what: `${what} (seed ${seed})` });
        };

        await change(300);
        await caughtUp('the first 300 changes');

        redis.signal('SIGSTOP');
        await change(500);
        await new Promise((r) => setTimeout(r, 3000));
        redis.signal('SIGCONT');
        await caughtUp('the changes made while Redis was frozen');

        await redis.kill();
        await change(500);
        await new Promise((r) => setTimeout(r, 1000));
        await redis.restart();
        await caughtUp('the changes made while Redis was down');

        const metrics = await t.app.get(StreamsMetrics).text();
        // The outages were felt (sessions ended unconfirmed), and every change became exactly one write.
        expect(metricValue(metrics, 'streams_capture_errors_total')).toBeGreaterThan(0);
        expect(metricValue(metrics, 'streams_capture_skipped_total') ?? 0).toBe(0);
        expect(subs.every((s) => s.synced)).toBe(true);
      }, 120_000);
    },
    { ownServer: true },
  );
});

const byId = (a: Row, b: Row) => a.id - b.id;
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
