/**
 * A Nest app (file adapter, shutdown hooks on) that writes continuously and prints `ack <n>` after each
 * acknowledged write, for the SIGTERM test. Args: <data dir>. Prints `port <n>` once listening.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { StreamsListener, StreamsModule, StreamsService } from 'nest-realtime-streams';

const dir = process.argv[2];

@Module({ imports: [StreamsModule.forRoot({ port: 0, host: '127.0.0.1', adapter: { type: 'file', path: dir } })] })
class WriterModule {}

async function main(): Promise<void> {
  const app = await NestFactory.createApplicationContext(WriterModule, { logger: false });
  app.enableShutdownHooks();
  const streams = app.get(StreamsService);
  process.stdout.write(`port ${app.get(StreamsListener).address().port}\n`);
  for (let n = 0; ; n++) {
    try {
      await streams.set({ stream_name: 'log', group_id: 'g', item_id: `i${n % 50}`, data: { n } });
      process.stdout.write(`ack ${n}\n`);
    } catch {
      return; // the store closed under us: shutdown is under way
    }
  }
}

void main();
