import { Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { StreamsOutbox, StreamsPostgresModule, outboxMigration } from 'nest-realtime-streams/postgres';
import { Column, DataSource, Entity, type MigrationInterface, PrimaryColumn, type QueryRunner } from 'typeorm';

@Entity('orders')
export class Order {
  @PrimaryColumn() id!: string;
  @Column() shop!: string;
  @Column('int') total!: number;
}

/** The outbox tables as a TypeORM migration (`typeorm migration:run` runs it with the app's own). */
export class StreamsOutbox1767225600000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(outboxMigration().up);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(outboxMigration().down);
  }
}

/** TypeORM: the stream write goes through the transaction's EntityManager, like the entity. */
@Injectable()
export class OrdersService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: StreamsOutbox,
  ) {}

  place(order: Order): Promise<void> {
    return this.dataSource.transaction(async (manager) => {
      await manager.insert(Order, order);
      await this.outbox.with(manager).set({ stream_name: 'orders', group_id: order.shop, item_id: order.id, data: order });
      if (order.total <= 0) throw new Error('an order must cost something'); // rolls back the order and its stream write
    });
  }
}

/** Imported next to StreamsModule.forRoot(...). */
@Module({
  imports: [StreamsPostgresModule.forRootAsync({ useFactory: () => ({ connectionString: process.env.DATABASE_URL }) })],
  providers: [
    {
      provide: DataSource,
      useFactory: () => new DataSource({ type: 'postgres', url: process.env.DATABASE_URL, entities: [Order], migrations: [StreamsOutbox1767225600000], migrationsRun: true }).initialize(),
    },
    OrdersService,
  ],
})
export class OrdersModule implements OnApplicationShutdown {
  constructor(private readonly dataSource: DataSource) {}

  onApplicationShutdown(): Promise<void> {
    return this.dataSource.destroy();
  }
}
