import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { StreamsMetrics } from '../../metrics/streams-metrics';

/** The relay's Prometheus metrics, in the streams registry (StreamsMetrics.registry) next to the `streams_*` ones. */
@Injectable()
export class OutboxMetrics {
  private readonly relayed: Counter<'operation'>;
  private readonly failures: Counter<'outcome'>;
  private readonly passErrors: Counter;
  private readonly delay: Histogram;
  private lagSeconds = 0;

  constructor(metrics: StreamsMetrics) {
    const registers = [metrics.registry];
    this.relayed = new Counter({ name: 'streams_outbox_relayed_total', help: 'Outbox rows applied through the write path and removed, by operation', labelNames: ['operation'], registers });
    this.failures = new Counter({
      name: 'streams_outbox_failures_total',
      help: 'Outbox rows whose write failed: retry (kept, tried again later) or dead (moved to the dead-letter table)',
      labelNames: ['outcome'],
      registers,
    });
    this.passErrors = new Counter({ name: 'streams_outbox_relay_errors_total', help: 'Relay passes that failed on PostgreSQL (unreachable, query error); retried at the poll interval', registers });
    this.delay = new Histogram({
      name: 'streams_outbox_delay_seconds',
      help: 'From an outbox row being written (in its transaction) to its write being applied and published',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30],
      registers,
    });
    const lag = () => this.lagSeconds;
    new Gauge({ name: 'streams_outbox_lag_seconds', help: 'Age of the oldest outbox row the last relay pass found (0 when it found none)', registers, collect() { this.set(lag()); } });
  }

  applied(operation: string, ageSeconds: number): void {
    this.relayed.inc({ operation });
    this.delay.observe(ageSeconds);
  }

  failed(outcome: 'retry' | 'dead'): void {
    this.failures.inc({ outcome });
  }

  passFailed(): void {
    this.passErrors.inc();
  }

  lag(seconds: number): void {
    this.lagSeconds = seconds;
  }
}
