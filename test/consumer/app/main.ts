/*
 * A consumer app of the packed packages (test/consumer/consumer-apps.e2e-spec.ts copies this folder into
 * throwaway apps outside the repo). It prints `READY {"http":…,"streams":…}` once both listeners are up.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { AddressInfo } from 'node:net';
import { StreamsListener } from 'nest-realtime-streams';
import { AppModule } from './app.module.js';
import { ClientProbe } from './client-probe.js';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
  app.enableShutdownHooks();
  await app.listen(0, '127.0.0.1');
  const streams = app.get(StreamsListener).address().port;
  const http = (app.getHttpServer().address() as AddressInfo).port;
  app.get(ClientProbe).start(`ws://127.0.0.1:${streams}/`);
  console.log(`READY ${JSON.stringify({ http, streams })}`);
}

void bootstrap();
