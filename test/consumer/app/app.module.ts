import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { TerminusModule } from '@nestjs/terminus';
import { StreamsModule, type StreamsAdapterOptions, type StreamsModuleAsyncOptions } from 'nest-realtime-streams';
import { StreamsHealthModule } from 'nest-realtime-streams/health';
import { ClientProbe } from './client-probe.js';
import { HealthController } from './health.controller.js';
import { StreamHooks } from './stream-hooks.js';
import { TodosController } from './todos.controller.js';

/** The adapter named by the environment, as an app would pick it per deployment. */
function adapterFrom(config: ConfigService): StreamsAdapterOptions {
  const type = config.get<string>('STREAMS_ADAPTER', 'memory');
  if (type === 'file') return { type: 'file', path: config.getOrThrow<string>('STREAMS_DATA_DIR') };
  if (type === 'redis') return { type: 'redis', url: config.getOrThrow<string>('REDIS_URL'), keyPrefix: config.getOrThrow<string>('REDIS_PREFIX') };
  return { type: 'memory' };
}

const streamsOptions: StreamsModuleAsyncOptions = {
  imports: [ConfigModule],
  inject: [ConfigService],
  useFactory: (config: ConfigService) => ({ host: '127.0.0.1', port: 0, adapter: adapterFrom(config) }),
};

@Module({
  imports: [ConfigModule.forRoot({ ignoreEnvFile: true }), StreamsModule.forRootAsync(streamsOptions), TerminusModule, StreamsHealthModule],
  controllers: [TodosController, HealthController],
  providers: [StreamHooks, ClientProbe],
})
export class AppModule {}
