/**
 * One app instance on the Redis adapter, as its own process so a test can freeze it (SIGSTOP) while other
 * instances keep writing. Args: <redis url> <key prefix> <history size>. Prints `port <n>` once listening.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { StreamsListener, StreamsModule } from 'nest-realtime-streams';

const [url, keyPrefix, size] = process.argv.slice(2);

@Module({
  imports: [StreamsModule.forRoot({ port: 0, host: '127.0.0.1', adapter: { type: 'redis', url, keyPrefix }, history: { size: Number(size) } })],
})
class InstanceModule {}

async function main(): Promise<void> {
  const app = await NestFactory.createApplicationContext(InstanceModule, { logger: ['warn', 'error'] });
  app.enableShutdownHooks();
  process.stdout.write(`port ${app.get(StreamsListener).address().port}\n`);
}

void main();
