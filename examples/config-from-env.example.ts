import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { StreamsModule } from 'nest-realtime-streams';

/** Settings from the environment or a `.env` file, e.g. `STREAMS_PORT=3200 REDIS_URL=redis://127.0.0.1:6379`. */
@Module({
  imports: [
    ConfigModule.forRoot(),
    StreamsModule.forRootAsync({
      imports: [ConfigModule],
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        // Environment variables are strings: numeric options take "3200" as well as 3200.
        port: config.get('STREAMS_PORT', 3112),
        adapter: config.get('REDIS_URL') ? { type: 'redis', url: config.get('REDIS_URL'), keyPrefix: config.get('REDIS_PREFIX', 'myapp') } : { type: 'memory' },
      }),
    }),
  ],
})
export class AppModule {}
