import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { StreamsHealthModule } from 'nest-realtime-streams/health';
import { OpsController } from './ops.controller';

@Module({ imports: [TerminusModule, StreamsHealthModule], controllers: [OpsController] })
export class OpsModule {}
