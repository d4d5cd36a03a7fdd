import { Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { StreamsOutbox, StreamsPostgresModule } from 'nest-realtime-streams/postgres';

export interface Order {
  id: string;
  shop: string;
  total: number;
}

/** Plain `pg`: the outbox row goes through the client that holds the transaction. */
@Injectable()
export class OrdersService {
  constructor(
    private readonly pool: Pool,
    private readonly outbox: StreamsOutbox,
  ) {}

  async place(order: Order): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('INSERT INTO orders (id, shop, total) VALUES ($1, $2, $3)', [order.id, order.shop, order.total]);
      await this.outbox.with(client).set({ stream_name: 'orders', group_id: order.shop, item_id: order.id, data: order });
      if (order.total <= 0) throw new Error('an order must cost something'); // rolls back the order and its stream write
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  }
}

/** Imported next to StreamsModule.forRoot(...). The relay gets a small pool of its own from the URL. */
@Module({
  imports: [StreamsPostgresModule.forRootAsync({ useFactory: () => ({ connectionString: process.env.DATABASE_URL }) })],
  providers: [{ provide: Pool, useFactory: () => new Pool({ connectionString: process.env.DATABASE_URL }) }, OrdersService],
})
export class OrdersModule implements OnApplicationShutdown {
  constructor(private readonly pool: Pool) {}

  onApplicationShutdown(): Promise<void> {
    return this.pool.end();
  }
}
