import type { Type } from '@nestjs/common';
import * as clsExample from '../../examples/outbox-cls.example';
import * as drizzleExample from '../../examples/outbox-drizzle.example';
import * as kyselyExample from '../../examples/outbox-kysely.example';
import * as pgExample from '../../examples/outbox-pg.example';
import * as typeormExample from '../../examples/outbox-typeorm.example';
import { ORDERS_TABLE, outboxDatabase, outboxDrained, sql } from '../support/outbox-db';
import { describePostgres, PgCluster } from '../support/pg-cluster';
import { startStreamsApp, type StreamsTestApp } from '../support/streams-app';
import { TestClient } from '../support/ws-client';

interface Order {
  id: string;
  shop: string;
  total: number;
}

interface Example {
  OrdersModule: Type;
  OrdersService: Type<{ place(order: Order): Promise<void> }>;
}

/*
 * The guides' examples (docs/guides/outbox-*.md), one per integration, each run for real: the pg client,
 * a TypeORM EntityManager (migration class included), a Kysely and a Drizzle transaction, and
 * @nestjs-cls/transactional's TransactionHost with the TypeORM adapter. A committed order reaches a
 * subscriber; one that rolls back leaves neither a row nor a frame.
 */
describePostgres('outbox guides: one line per integration', () => {
  let cluster: PgCluster;
  beforeAll(async () => {
    cluster = await PgCluster.start();
  }, 60_000);
  afterAll(() => cluster?.dispose());

  const examples: Array<[string, Example, { typeorm?: true }]> = [
    ['pg client', pgExample, {}],
    ['TypeORM EntityManager', typeormExample, { typeorm: true }],
    ['Kysely transaction', kyselyExample, {}],
    ['Drizzle transaction', drizzleExample, {}],
    ['@nestjs-cls/transactional TransactionHost (TypeORM adapter)', clsExample, {}],
  ];

  it.each(examples)('%s: a committed order is published once, a rolled-back one never', async (_name, example, { typeorm }) => {
    // The TypeORM example runs the outbox migration itself (migrationsRun), so its database starts without it.
    const url = await outboxDatabase(cluster, { migrate: !typeorm, setup: ORDERS_TABLE });
    process.env.DATABASE_URL = url;
    let t: StreamsTestApp | undefined;
    try {
      t = await startStreamsApp({}, { imports: [example.OrdersModule] });
      const orders = t.app.get(example.OrdersService);
      const client = await TestClient.connect(t.url);
      client.join('s', 'orders', 'shop-1');
      await client.next((f) => f.event?.type === 'sync');
      await expect(orders.place({ id: 'o-0', shop: 'shop-1', total: 0 })).rejects.toThrow('an order must cost something');
      await orders.place({ id: 'o-1', shop: 'shop-1', total: 42 });
      const frame = await client.next((f) => f.type === 'stream' && f.event?.type !== 'sync');
      expect(frame.event).toEqual({ type: 'create', data: { id: 'o-1', shop: 'shop-1', total: 42 } });
      expect(await sql(url, 'SELECT id FROM orders ORDER BY id')).toEqual([{ id: 'o-1' }]);
      expect(await t.service.list({ stream_name: 'orders', group_id: 'shop-1' })).toEqual([{ id: 'o-1', shop: 'shop-1', total: 42 }]);
      await outboxDrained(url);
      client.close();
    } finally {
      delete process.env.DATABASE_URL;
      await t?.app.close();
    }
  }, 30_000);
});
