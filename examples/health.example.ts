import { Controller, Get, Module } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { StreamsHealthIndicator, StreamsHealthModule } from 'nest-realtime-streams/health';

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly streams: StreamsHealthIndicator,
  ) {}

  /** 200 with `{ status: 'ok', info: { streams: { status: 'up' } } }`, or 503 when the adapter does not answer. */
  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.streams.isHealthy('streams')]);
  }
}

@Module({ imports: [TerminusModule, StreamsHealthModule], controllers: [HealthController] })
export class HealthModule {}
