/**
 * A capture consumer in its own process, for test/e2e/capture-instances.e2e-spec.ts to kill with SIGKILL:
 * StreamsModule on Redis and StreamsPostgresModule capturing `items` (test/support/capture-workload.ts).
 * Args: <database url> <redis url> <key prefix>. Prints `ready`, then `consuming` once it holds the slot.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { StreamsMetrics, StreamsModule } from 'nest-realtime-streams';
import { StreamsPostgresModule } from 'nest-realtime-streams/postgres';
import { itemGroup } from './capture-workload';
import { metricValue } from './metrics-text';

const [url, redisUrl, keyPrefix] = process.argv.slice(2);

@Module({
  imports: [
    StreamsModule.forRoot({ port: 0, host: '127.0.0.1', adapter: { type: 'redis', url: redisUrl, keyPrefix } }),
    StreamsPostgresModule.forRoot({ connectionString: url, outbox: false, capture: { retryMs: 200, tables: [{ table: 'items', stream: 'items', group: (row) => itemGroup(row.id), id: 'id' }] } }),
  ],
})
class ConsumerModule {}

async function main(): Promise<void> {
  const app = await NestFactory.createApplicationContext(ConsumerModule, { logger: ['error'] });
  await app.init();
  process.stdout.on('error', () => process.exit(0));
  process.stdout.write('ready\n');
  const metrics = app.get(StreamsMetrics);
  const poll = setInterval(async () => {
    if (metricValue(await metrics.text(), 'streams_capture_consumer') !== 1) return;
    clearInterval(poll);
    process.stdout.write('consuming\n');
  }, 20);
}

void main();
