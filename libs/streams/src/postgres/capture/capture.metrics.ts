import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { Counter, Gauge } from 'prom-client';
import { StreamsMetrics } from '../../metrics/streams-metrics';
import { STREAMS_CAPTURE_OPTIONS, STREAMS_POSTGRES_POOL } from '../postgres.tokens';
import type { ResolvedCaptureOptions } from '../streams-postgres.options';
import { readSlot } from './capture.slot';

/** Change capture's Prometheus metrics, in the streams registry next to the `streams_*` ones. */
@Injectable()
export class CaptureMetrics {
  private readonly writes: Counter<'operation'>;
  private readonly skips: Counter;
  private readonly sessionErrors: Counter;
  private consuming = 0;

  constructor(
    metrics: StreamsMetrics,
    @Inject(STREAMS_POSTGRES_POOL) pool: Pool,
    @Inject(STREAMS_CAPTURE_OPTIONS) capture: ResolvedCaptureOptions | null,
  ) {
    const registers = [metrics.registry];
    this.writes = new Counter({ name: 'streams_capture_writes_total', help: 'Stream writes made from captured row changes, by operation', labelNames: ['operation'], registers });
    this.skips = new Counter({ name: 'streams_capture_skipped_total', help: 'Row changes that could not become an item write (mapping failed, write refused); each is logged', registers });
    this.sessionErrors = new Counter({ name: 'streams_capture_errors_total', help: 'Replication sessions that failed (PostgreSQL or the store unreachable); restarted from the last confirmed position', registers });
    const consuming = () => this.consuming;
    new Gauge({ name: 'streams_capture_consumer', help: '1 while this instance holds the replication slot and applies its changes', registers, collect() { this.set(consuming()); } });
    if (!capture) return;
    let last = 0;
    new Gauge({
      name: 'streams_capture_lag_bytes',
      help: "WAL bytes between the server's position and what the capture consumer confirmed (the slot's lag); the last value read when PostgreSQL does not answer",
      registers,
      async collect() {
        const slot = await readSlot(pool, capture.slot).catch(() => undefined);
        if (slot) last = slot.lagBytes;
        this.set(last);
      },
    });
  }

  wrote(operation: string): void {
    this.writes.inc({ operation });
  }

  skipped(): void {
    this.skips.inc();
  }

  sessionFailed(): void {
    this.sessionErrors.inc();
  }

  consumer(active: boolean): void {
    this.consuming = active ? 1 : 0;
  }
}
