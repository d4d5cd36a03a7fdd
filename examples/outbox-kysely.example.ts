import { Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Kysely, PostgresDialect } from 'kysely';
import { StreamsOutbox, StreamsPostgresModule } from 'nest-realtime-streams/postgres';
import { Pool } from 'pg';

interface Database {
  orders: { id: string; shop: string; total: number };
}

export class Db extends Kysely<Database> {}

/** Kysely: the stream write goes through the `Transaction` the callback gets. */
@Injectable()
export class OrdersService {
  constructor(
    private readonly db: Db,
    private readonly outbox: StreamsOutbox,
  ) {}

  place(order: Database['orders']): Promise<void> {
    return this.db.transaction().execute(async (trx) => {
      await trx.insertInto('orders').values(order).execute();
      await this.outbox.with(trx).set({ stream_name: 'orders', group_id: order.shop, item_id: order.id, data: order });
      if (order.total <= 0) throw new Error('an order must cost something'); // rolls back the order and its stream write
    });
  }
}

/** Imported next to StreamsModule.forRoot(...). */
@Module({
  imports: [StreamsPostgresModule.forRootAsync({ useFactory: () => ({ connectionString: process.env.DATABASE_URL }) })],
  providers: [{ provide: Db, useFactory: () => new Db({ dialect: new PostgresDialect({ pool: new Pool({ connectionString: process.env.DATABASE_URL }) }) }) }, OrdersService],
})
export class OrdersModule implements OnApplicationShutdown {
  constructor(private readonly db: Db) {}

  onApplicationShutdown(): Promise<void> {
    return this.db.destroy();
  }
}
