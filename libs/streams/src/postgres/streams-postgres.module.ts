import { Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { OutboxMetrics } from './outbox/outbox.metrics';
import { OutboxRelay } from './outbox/outbox.relay';
import { StreamsOutbox } from './outbox/streams-outbox.service';
import { StreamsPostgresHealth } from './postgres.health';
import { STREAMS_POSTGRES_PROBE } from '../streams.constants';
import { STREAMS_OUTBOX_OPTIONS, STREAMS_POSTGRES_OPTIONS, STREAMS_POSTGRES_POOL } from './postgres.tokens';
import { ConfigurableStreamsPostgresModule, STREAMS_POSTGRES_MODULE_OPTIONS } from './streams-postgres.module-definition';
import { resolvePostgresOptions, type ResolvedPostgresOptions } from './streams-postgres.options';

/** Connections the module opens for itself: the relay's passes and its LISTEN connection. */
const OWN_POOL_SIZE = 4;

function openPool(options: ResolvedPostgresOptions): Pool {
  if (options.pool) return options.pool;
  const pool = new Pool({ connectionString: options.connectionString, max: OWN_POOL_SIZE });
  // An idle connection dropped by the server must not crash the app; the next pass reconnects and reports.
  pool.on('error', (error) => new Logger('StreamsPostgres').warn(`idle PostgreSQL connection lost: ${error.message}`));
  return pool;
}

/**
 * `StreamsPostgresModule.forRoot({ connectionString })` (or `{ pool }`, or `.forRootAsync(...)`), imported
 * next to `StreamsModule.forRoot(...)`: StreamsOutbox (stream writes in the app's transaction) and the relay
 * that applies them through StreamsService after commit. Global unless `isGlobal: false`.
 */
@Module({
  providers: [
    { provide: STREAMS_POSTGRES_OPTIONS, useFactory: resolvePostgresOptions, inject: [STREAMS_POSTGRES_MODULE_OPTIONS] },
    { provide: STREAMS_OUTBOX_OPTIONS, useFactory: (options: ResolvedPostgresOptions) => options.outbox, inject: [STREAMS_POSTGRES_OPTIONS] },
    { provide: STREAMS_POSTGRES_POOL, useFactory: openPool, inject: [STREAMS_POSTGRES_OPTIONS] },
    OutboxMetrics,
    OutboxRelay,
    StreamsOutbox,
    StreamsPostgresHealth,
    { provide: STREAMS_POSTGRES_PROBE, useExisting: StreamsPostgresHealth },
  ],
  exports: [StreamsOutbox, StreamsPostgresHealth, STREAMS_POSTGRES_PROBE],
})
export class StreamsPostgresModule extends ConfigurableStreamsPostgresModule implements OnApplicationShutdown {
  constructor(
    @Inject(STREAMS_POSTGRES_OPTIONS) private readonly options: ResolvedPostgresOptions,
    @Inject(STREAMS_POSTGRES_POOL) private readonly pool: Pool,
  ) {
    super();
  }

  /** The relay stopped in `beforeApplicationShutdown`; a pool the module opened is closed now, the app's own is left open. */
  async onApplicationShutdown(): Promise<void> {
    if (!this.options.pool) await this.pool.end();
  }
}
