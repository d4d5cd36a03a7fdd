import { Inject, Injectable, Optional } from '@nestjs/common';
import { type HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import type { StreamAdapter } from '../adapters/stream-adapter.interface';
import { STREAMS_ADAPTER, STREAMS_POSTGRES_PROBE } from '../streams.constants';

/** How long a probe may take before the adapter counts as down, in ms. */
const DEFAULT_TIMEOUT_MS = 1000;

/**
 * `@nestjs/terminus` indicator for the streams adapter (a Redis PING for the Redis adapter). Import from
 * `nest-realtime-streams/health` and list it in a module that imports TerminusModule:
 *
 * ```ts
 * @Get('health') @HealthCheck()
 * check() { return this.health.check([() => this.streams.isHealthy('streams')]); }
 * ```
 */
@Injectable()
export class StreamsHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(STREAMS_ADAPTER) private readonly adapter: StreamAdapter,
    @Optional() @Inject(STREAMS_POSTGRES_PROBE) private readonly postgres?: { check(): Promise<void> },
  ) {}

  async isHealthy<const Key extends string = 'streams'>(key: Key = 'streams' as Key, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<HealthIndicatorResult<Key>> {
    return this.probe(key, timeoutMs, () => this.adapter.ping());
  }

  /**
   * `StreamsPostgresModule` (nest-realtime-streams/postgres): down when PostgreSQL does not answer or the
   * outbox relay's last pass failed, with the reason.
   */
  async isPostgresHealthy<const Key extends string = 'streams_postgres'>(key: Key = 'streams_postgres' as Key, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<HealthIndicatorResult<Key>> {
    return this.probe(key, timeoutMs, () => {
      if (!this.postgres) throw new Error('StreamsPostgresModule is not imported');
      return this.postgres.check();
    });
  }

  private async probe<Key extends string>(key: Key, timeoutMs: number, check: () => Promise<void>): Promise<HealthIndicatorResult<Key>> {
    const indicator = this.health.check(key);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        check(),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs))),
      ]);
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: error instanceof Error ? error.message : String(error) });
    } finally {
      clearTimeout(timer);
    }
  }
}
