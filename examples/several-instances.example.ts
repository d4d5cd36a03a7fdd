import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { StreamsModule } from 'nest-realtime-streams';
import { ScoreController } from './one-port.example';

/**
 * Every instance runs this same app with the same Redis, e.g. `REDIS_URL=redis://redis:6379 PORT=3000 node
 * dist/main.js`: a write on any instance reaches the subscribers of every instance, and a client may reconnect
 * to any of them and resume where it was.
 */
@Module({
  imports: [
    StreamsModule.forRootAsync({
      useFactory: () => ({
        attach: { path: '/streams' },
        // One prefix per app sharing the Redis (keys and channels).
        adapter: { type: 'redis', url: process.env.REDIS_URL, keyPrefix: process.env.REDIS_PREFIX ?? 'scores' },
      }),
    }),
  ],
  controllers: [ScoreController],
})
export class AppModule {}

export async function bootstrap(port: number | string = process.env.PORT ?? 3000) {
  const app = await NestFactory.create(AppModule);
  // SIGTERM closes the app: every client gets 1001 (and reconnects, to another instance), then the server closes.
  app.enableShutdownHooks();
  await app.listen(port);
  return app;
}
