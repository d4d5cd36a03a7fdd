import { Controller, Get, Header } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { StreamsMetrics } from 'nest-realtime-streams';
import { Registry } from 'prom-client';
import { StreamsHealthIndicator } from 'nest-realtime-streams/health';

/** What an operator scrapes and probes: Prometheus metrics and a terminus health check (503 when down). */
@Controller()
export class OpsController {
  constructor(
    private readonly metrics: StreamsMetrics,
    private readonly health: HealthCheckService,
    private readonly streams: StreamsHealthIndicator,
  ) {}

  @Get('metrics')
  @Header('content-type', Registry.PROMETHEUS_CONTENT_TYPE)
  scrape(): Promise<string> {
    return this.metrics.text();
  }

  @Get('health')
  @HealthCheck()
  check(): Promise<HealthCheckResult> {
    return this.health.check([() => this.streams.isHealthy('streams')]);
  }
}
