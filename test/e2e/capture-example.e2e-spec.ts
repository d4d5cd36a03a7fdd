import { OrdersViewModule } from '../../examples/change-capture.example';
import { outboxDatabase, sql } from '../support/outbox-db';
import { describePostgres, PgCluster } from '../support/pg-cluster';
import { startStreamsApp, type StreamsTestApp } from '../support/streams-app';
import { waitFor } from '../support/wait-for';
import { TestClient } from '../support/ws-client';

/** The change-capture guide's example (docs/guides/change-capture.md), run against a real PostgreSQL. */
describePostgres('change capture guide: a live view fed by a table', () => {
  let cluster: PgCluster;
  beforeAll(async () => {
    cluster = await PgCluster.start();
  }, 60_000);
  afterAll(() => cluster?.dispose());

  it('committed rows reach a subscriber as create, update, delete, without the note column; drafts and rollbacks never', async () => {
    // The guide's migration.
    const url = await outboxDatabase(cluster, { migrate: false, setup: 'CREATE TABLE orders (id int PRIMARY KEY, shop text NOT NULL, total int NOT NULL, note text); ALTER TABLE orders REPLICA IDENTITY FULL' });
    process.env.DATABASE_URL = url;
    let t: StreamsTestApp | undefined;
    try {
      t = await startStreamsApp({}, { imports: [OrdersViewModule] });
      const client = await TestClient.connect(t.url);
      client.join('s', 'orders', 'shop-1');
      await client.next((f) => f.event?.type === 'sync');
      await sql(url, "BEGIN; INSERT INTO orders VALUES (1, 'shop-1', 42, 'gift wrap'); ROLLBACK");
      await sql(url, "INSERT INTO orders VALUES (2, 'shop-1', 0, 'draft')");
      await sql(url, "INSERT INTO orders VALUES (3, 'shop-1', 42, 'gift wrap')");
      await sql(url, 'UPDATE orders SET total = 40 WHERE id = 3');
      await sql(url, 'DELETE FROM orders WHERE id = 3');
      const events = () => client.frames.filter((f) => f.type === 'stream' && f.event?.type !== 'sync').map((f) => [f.event!.type, f.id, f.event!.data]);
      await waitFor(() => events().length >= 3, { what: 'three events' });
      await new Promise((r) => setTimeout(r, 200));
      expect(events()).toEqual([
        ['create', '3', { id: 3, shop: 'shop-1', total: 42 }],
        ['update', '3', { id: 3, shop: 'shop-1', total: 40 }],
        ['delete', '3', { id: 3, shop: 'shop-1', total: 40 }],
      ]);
      client.close();
    } finally {
      delete process.env.DATABASE_URL;
      await t?.app.close();
    }
  }, 30_000);
});
