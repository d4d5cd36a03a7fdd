import { Module } from '@nestjs/common';
import { StreamsPostgresModule } from 'nest-realtime-streams/postgres';

/** A row of the app's `orders` table (its migration: docs/guides/change-capture.md). */
export interface OrderRow {
  id: number;
  shop: string;
  total: number;
  note: string | null;
}

/**
 * A live view fed by a table: each committed insert, update and delete of an `orders` row reaches the
 * subscribers of `orders/<shop>` as a create, update or delete of item `<id>`, whatever code wrote it
 * (a service, a migration, psql). Imported next to StreamsModule.forRoot(...).
 */
@Module({
  imports: [
    StreamsPostgresModule.forRootAsync({
      useFactory: () => ({
        connectionString: process.env.DATABASE_URL,
        outbox: false,
        capture: {
          slot: 'orders_view',
          tables: [
            {
              table: 'orders',
              stream: 'orders',
              group: 'shop',
              id: 'id',
              columns: ['id', 'shop', 'total'], // `note` stays in the database
              filter: (row: OrderRow) => row.total > 0, // drafts are not shown
            },
          ],
        },
      }),
    }),
  ],
})
export class OrdersViewModule {}
