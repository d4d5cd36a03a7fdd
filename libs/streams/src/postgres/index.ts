/** `nest-realtime-streams/postgres`: PostgreSQL integration (SPEC §10), kept apart so `pg` stays optional. */
import './pg-peer.check';
export { StreamsPostgresModule } from './streams-postgres.module';
export type { StreamsPostgresModuleAsyncOptions, StreamsPostgresOptionsFactory } from './streams-postgres.module-definition';
export type { StreamsPostgresModuleOptions, StreamsOutboxOptions, StreamsCaptureOptions } from './streams-postgres.options';
export type { StreamTableDeclaration, CaptureRow } from './capture/capture.mapping';
export { StreamsCaptureError, type StreamsCaptureErrorCode } from './capture/capture.errors';
export { StreamsOutbox } from './outbox/streams-outbox.service';
export type { OutboxWriter, OutboxReceipt } from './outbox/outbox.writer';
export type { OutboxHandle, SqlQueryable, KyselyTransactionLike, DrizzleTransactionLike } from './outbox/outbox.handle';
export type { OutboxSetInput, OutboxUpdateInput, OutboxDeleteInput, OutboxSendInput } from './outbox/outbox.entry';
export { StreamsOutboxError, type StreamsOutboxErrorCode } from './outbox/outbox.errors';
export { StreamsPostgresHealth } from './postgres.health';
export { outboxMigration, migrateOutbox, type StreamsMigration } from './postgres.migrations';
