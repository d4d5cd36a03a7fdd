import { Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { integer, pgTable, text } from 'drizzle-orm/pg-core';
import { StreamsOutbox, StreamsPostgresModule } from 'nest-realtime-streams/postgres';
import { Pool } from 'pg';

export const orders = pgTable('orders', { id: text('id').primaryKey(), shop: text('shop').notNull(), total: integer('total').notNull() });

export const DB = Symbol('DB');

/** Drizzle: the stream write goes through the transaction the callback gets. */
@Injectable()
export class OrdersService {
  constructor(
    @Inject(DB) private readonly db: NodePgDatabase,
    private readonly outbox: StreamsOutbox,
  ) {}

  place(order: typeof orders.$inferInsert): Promise<void> {
    return this.db.transaction(async (tx) => {
      await tx.insert(orders).values(order);
      await this.outbox.with(tx).set({ stream_name: 'orders', group_id: order.shop, item_id: order.id, data: order });
      if (order.total <= 0) throw new Error('an order must cost something'); // rolls back the order and its stream write
    });
  }
}

/** Imported next to StreamsModule.forRoot(...). */
@Module({
  imports: [StreamsPostgresModule.forRootAsync({ useFactory: () => ({ connectionString: process.env.DATABASE_URL }) })],
  providers: [{ provide: DB, useFactory: () => drizzle(new Pool({ connectionString: process.env.DATABASE_URL })) }, OrdersService],
})
export class OrdersModule implements OnApplicationShutdown {
  constructor(@Inject(DB) private readonly db: NodePgDatabase & { $client: Pool }) {}

  onApplicationShutdown(): Promise<void> {
    return this.db.$client.end();
  }
}
