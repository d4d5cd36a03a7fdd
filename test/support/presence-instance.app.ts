/**
 * One app instance on the Redis adapter with presence, as its own process so a test can kill it (SIGKILL:
 * its presence entries are never removed, they must expire). Args: <redis url> <key prefix> <port> <ttlMs>
 * <sweepIntervalMs> (the sweep interval). Prints `port <n>` once listening.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { StreamsListener, StreamsModule } from 'nest-realtime-streams';
import { RoomPresence, userFromQuery } from './presence.fixture';

const [url, keyPrefix, port, ttlMs, sweepIntervalMs] = process.argv.slice(2);

@Module({
  imports: [
    StreamsModule.forRoot({
      port: Number(port),
      host: '127.0.0.1',
      adapter: { type: 'redis', url, keyPrefix, presence: { ttlMs: Number(ttlMs), sweepIntervalMs: Number(sweepIntervalMs) } },
      authFunction: userFromQuery,
    }),
  ],
  providers: [RoomPresence],
})
class InstanceModule {}

async function main(): Promise<void> {
  const app = await NestFactory.createApplicationContext(InstanceModule, { logger: ['warn', 'error'] });
  process.stdout.write(`port ${app.get(StreamsListener).address().port}\n`);
}

void main();
