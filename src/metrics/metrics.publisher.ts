import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { StreamsService, type UpdateOp } from 'nest-realtime-streams';
import { demoConfig, type DemoConfig } from '../config/demo.config';
import { METRICS_GROUP, METRICS_ITEMS, type MetricsHistory, type MetricsSample, STREAMS } from '../shared/demo-streams';
import { MetricsSampler, type ProcessSample } from './metrics.sampler';

/** Samples kept in the `history` item (one minute at the default interval). */
const HISTORY_LENGTH = 60;

/**
 * Writes `dashboard-metrics` on a timer: the `current` item through `update` (an `increment` of the tick
 * counter and a `set` per field, atomically), and the `history` item, replaced whole with `set`.
 */
@Injectable()
export class MetricsPublisher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(MetricsPublisher.name);
  private readonly history: MetricsSample[] = [];
  private readonly startedAt = new Date(Date.now() - process.uptime() * 1000).toISOString();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly streams: StreamsService,
    private readonly sampler: MetricsSampler,
    @Inject(demoConfig.KEY) private readonly config: DemoConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.tick(), this.config.metricsIntervalMs);
    this.timer.unref();
  }

  /** Stops the timer and lets a write in flight finish before the streams adapter closes. */
  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  private tick(): void {
    // A slow store must not pile up writes: skip a beat instead.
    if (this.running) return;
    this.running = this.publish(this.sampler.sample())
      .catch((error: unknown) => this.logger.warn(`Could not publish metrics: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => {
        this.running = null;
      });
  }

  private async publish(sample: ProcessSample): Promise<void> {
    const ref = { stream_name: STREAMS.metrics, group_id: METRICS_GROUP };
    const fields: UpdateOp[] = Object.entries(sample).map(([path, value]) => ({ type: 'set', path, value }));
    await this.streams.update({
      ...ref,
      item_id: METRICS_ITEMS.current,
      ops: [
        { type: 'set', path: 'id', value: METRICS_ITEMS.current },
        { type: 'increment', path: 'ticks', by: 1 },
        ...fields,
        { type: 'set', path: 'startedAt', value: this.startedAt },
        { type: 'set', path: 'intervalMs', value: this.config.metricsIntervalMs },
        { type: 'set', path: 'updatedAt', value: new Date().toISOString() },
      ],
    });
    const { cpuPercent, heapUsedMb, rssMb, eventLoopDelayMs } = sample;
    this.history.push({ at: Date.now(), cpuPercent, heapUsedMb, rssMb, eventLoopDelayMs });
    if (this.history.length > HISTORY_LENGTH) this.history.shift();
    await this.streams.set<MetricsHistory>({ ...ref, item_id: METRICS_ITEMS.history, data: { id: METRICS_ITEMS.history, samples: [...this.history] } });
  }
}
