import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { StreamsService } from 'nest-realtime-streams';
import { AppModule } from './app.module';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AppModule);
  app.enableShutdownHooks();
  await app.listen(Number(process.env.PORT ?? 3000));
  const { port } = app.get(StreamsService).address();
  console.log(`Streams: ws://localhost:${port}/`);
}

void bootstrap();
