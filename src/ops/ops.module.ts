import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { StreamsHealthIndicator } from 'nest-realtime-streams/health';
import { OpsController } from './ops.controller';

@Module({ imports: [TerminusModule], controllers: [OpsController], providers: [StreamsHealthIndicator] })
export class OpsModule {}
