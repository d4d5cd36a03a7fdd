import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { CaptureConsumer } from './capture/capture.consumer';
import { readSlot } from './capture/capture.slot';
import { OutboxRelay } from './outbox/outbox.relay';
import { STREAMS_CAPTURE_OPTIONS, STREAMS_POSTGRES_POOL } from './postgres.tokens';
import type { ResolvedCaptureOptions } from './streams-postgres.options';

/** What the health indicator (`StreamsHealthIndicator.isPostgresHealthy`) asks of StreamsPostgresModule. */
@Injectable()
export class StreamsPostgresHealth {
  constructor(
    @Inject(STREAMS_POSTGRES_POOL) private readonly pool: Pool,
    private readonly relay: OutboxRelay,
    private readonly consumer: CaptureConsumer,
    @Inject(STREAMS_CAPTURE_OPTIONS) private readonly capture: ResolvedCaptureOptions | null,
  ) {}

  /**
   * Resolves while PostgreSQL answers, the outbox relay's passes succeed and, with change capture, the
   * slot exists, is not more than `capture.maxLagBytes` behind, and this instance's replication session
   * (if it runs one) has not failed; rejects with why not.
   */
  async check(): Promise<void> {
    await this.pool.query('SELECT 1');
    const problem = this.relay.problem;
    if (problem) throw new Error(`outbox relay: ${problem}`);
    if (this.capture) await this.checkCapture(this.capture);
  }

  private async checkCapture({ slot: name, maxLagBytes }: ResolvedCaptureOptions): Promise<void> {
    const problem = this.consumer.problem;
    if (problem) throw new Error(`change capture: ${problem}`);
    const slot = await readSlot(this.pool, name);
    if (!slot) throw new Error(`change capture: the replication slot ${name} does not exist (dropped?): changes are not captured`);
    if (slot.walStatus === 'lost') throw new Error(`change capture: the replication slot ${name} has lost WAL it needed: changes were lost`);
    if (slot.lagBytes > maxLagBytes) {
      const why = slot.active ? 'its consumer falls behind' : 'no instance consumes it';
      throw new Error(`change capture: the replication slot ${name} is ${slot.lagBytes} bytes behind (capture.maxLagBytes ${maxLagBytes}): ${why}`);
    }
  }
}
