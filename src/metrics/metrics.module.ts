import { Module } from '@nestjs/common';
import { MetricsPublisher } from './metrics.publisher';
import { MetricsSampler } from './metrics.sampler';

@Module({ providers: [MetricsSampler, MetricsPublisher] })
export class MetricsModule {}
