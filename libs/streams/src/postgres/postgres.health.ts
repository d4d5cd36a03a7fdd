import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { OutboxRelay } from './outbox/outbox.relay';
import { STREAMS_POSTGRES_POOL } from './postgres.tokens';

/** What the health indicator (`StreamsHealthIndicator.isPostgresHealthy`) asks of StreamsPostgresModule. */
@Injectable()
export class StreamsPostgresHealth {
  constructor(
    @Inject(STREAMS_POSTGRES_POOL) private readonly pool: Pool,
    private readonly relay: OutboxRelay,
  ) {}

  /** Resolves while PostgreSQL answers and the outbox relay's passes succeed; rejects with why not. */
  async check(): Promise<void> {
    await this.pool.query('SELECT 1');
    const problem = this.relay.problem;
    if (problem) throw new Error(`outbox relay: ${problem}`);
  }
}
