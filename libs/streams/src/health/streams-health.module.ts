import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { StreamsHealthIndicator } from './streams-health.indicator';

/**
 * Provides `StreamsHealthIndicator` to the module that imports it (with `TerminusModule` for
 * `HealthCheckService`), so a health controller only injects it: the indicator needs terminus's
 * `HealthIndicatorService`, which a module that merely lists the class must otherwise provide itself.
 */
@Module({ imports: [TerminusModule], providers: [StreamsHealthIndicator], exports: [StreamsHealthIndicator] })
export class StreamsHealthModule {}
