import { Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { ClsModule } from 'nestjs-cls';
import { ClsPluginTransactional, Transactional, TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { StreamsOutbox, StreamsPostgresModule } from 'nest-realtime-streams/postgres';
import { DataSource } from 'typeorm';
import { Order } from './outbox-typeorm.example';

/**
 * `@nestjs-cls/transactional`: inside `@Transactional()` the outbox joins the transaction by itself, so the
 * stream write needs no handle, however deep in the call it is made.
 */
@Injectable()
export class OrdersService {
  constructor(
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly outbox: StreamsOutbox,
  ) {}

  @Transactional()
  async place(order: Order): Promise<void> {
    await this.txHost.tx.insert(Order, order);
    await this.outbox.set({ stream_name: 'orders', group_id: order.shop, item_id: order.id, data: order });
    if (order.total <= 0) throw new Error('an order must cost something'); // rolls back the order and its stream write
  }
}

@Module({
  providers: [{ provide: DataSource, useFactory: () => new DataSource({ type: 'postgres', url: process.env.DATABASE_URL, entities: [Order] }).initialize() }],
  exports: [DataSource],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(private readonly dataSource: DataSource) {}

  onApplicationShutdown(): Promise<void> {
    return this.dataSource.destroy();
  }
}

/** Imported next to StreamsModule.forRoot(...). */
@Module({
  imports: [
    ClsModule.forRoot({
      global: true,
      plugins: [new ClsPluginTransactional({ imports: [DatabaseModule], adapter: new TransactionalAdapterTypeOrm({ dataSourceToken: DataSource }) })],
    }),
    StreamsPostgresModule.forRootAsync({ useFactory: () => ({ connectionString: process.env.DATABASE_URL }) }),
  ],
  providers: [OrdersService],
})
export class OrdersModule {}
