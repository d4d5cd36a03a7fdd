import { StreamsMetrics } from 'nest-realtime-streams';
import { StreamsOutbox, StreamsPostgresModule } from 'nest-realtime-streams/postgres';
import { Pool } from 'pg';
import { metricValue } from '../support/metrics-text';
import { outboxDatabase, outboxDrained } from '../support/outbox-db';
import { COUNTERS_TABLE, marksOf, randomTransactions } from '../support/outbox-workload';
import { describePostgres, PgCluster } from '../support/pg-cluster';
import { deletePrefix, describeRedis, REDIS_URL, uniquePrefix } from '../support/redis';
import { startStreamsApp, type StreamsTestApp } from '../support/streams-app';
import { waitFor } from '../support/wait-for';
import { TestClient } from '../support/ws-client';

/** SPEC §10: any number of instances run the relay; each write is delivered once, in commit order per group. */
describePostgres('outbox: two app instances on Redis, both relays running', () => {
  describeRedis('on Redis', () => {
    let cluster: PgCluster;
    const prefix = uniquePrefix('outbox-two');
    const apps: StreamsTestApp[] = [];
    let pool: Pool;

    beforeAll(async () => {
      cluster = await PgCluster.start();
    }, 60_000);
    afterAll(async () => {
      for (const t of apps) await t.app.close();
      await pool?.end();
      await cluster?.dispose();
      await deletePrefix(prefix);
    });

    it('500 randomized transactions: every subscriber, on either instance, sees each committed write once, in commit order per group', async () => {
      const url = await outboxDatabase(cluster, { setup: COUNTERS_TABLE });
      for (let i = 0; i < 2; i++) {
        apps.push(await startStreamsApp({ adapter: { type: 'redis', url: REDIS_URL, keyPrefix: prefix } }, { imports: [StreamsPostgresModule.forRoot({ connectionString: url, outbox: { batchSize: 20 } })] }));
      }
      pool = new Pool({ connectionString: url, max: 8 });
      const groups = Array.from({ length: 6 }, (_, i) => `g${i}`);
      const clients: Array<[string, TestClient]> = [];
      for (const t of apps) {
        for (const group of groups) {
          const client = await TestClient.connect(t.url);
          client.join('s', 'two', group);
          await client.next((f) => f.event?.type === 'sync');
          clients.push([group, client]);
        }
      }
      const { seed, expected } = await randomTransactions(pool, apps[0].app.get(StreamsOutbox), { stream: 'two', groups, count: 500 });
      const total = [...expected.values()].reduce((sum, m) => sum + m.length, 0);
      await waitFor(() => clients.every(([group, c]) => marksOf(c.frames).length >= expected.get(group)!.length), { ms: 20_000, what: `${total} writes on every subscriber (seed ${seed})` });
      await new Promise((r) => setTimeout(r, 200));
      for (const [group, client] of clients) expect({ group, seed, marks: marksOf(client.frames) }).toEqual({ group, seed, marks: expected.get(group) });
      const relayed = await Promise.all(
        apps.map(async (t) => {
          const text = await t.app.get(StreamsMetrics).text();
          return ['set', 'update', 'send'].reduce((sum, op) => sum + (metricValue(text, `streams_outbox_relayed_total{operation="${op}"}`) ?? 0), 0);
        }),
      );
      // Both relays took part, and between them applied each row once (a repeat would be a replay, not counted).
      expect(relayed[0] + relayed[1]).toBe(total);
      expect(relayed.every((n) => n > 0)).toBe(true);
      await outboxDrained(url);
      for (const [, client] of clients) client.close();
    }, 90_000);
  });
});
