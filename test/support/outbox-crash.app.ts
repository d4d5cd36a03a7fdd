/**
 * The app process of test/e2e/outbox-crash.e2e-spec.ts: StreamsModule on Redis (so state, history and
 * idempotency records outlive it) and StreamsPostgresModule, listening on a given port. Args:
 *   <database url> <redis url> <key prefix> <ws port> <relay: on|off>
 * Prints `ready`, then takes commands on stdin (ChildLines):
 *   commit <from> <count>   that many transactions at once, each writing item `i<n>` and a `marks` row; prints `committed <n>` per commit
 *   hold <n>                a transaction that writes `i<n>` and never commits; prints `holding <n>`
 * The test kills it with SIGKILL.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { StreamsModule } from 'nest-realtime-streams';
import { StreamsOutbox, StreamsPostgresModule } from 'nest-realtime-streams/postgres';
import { Pool, type PoolClient } from 'pg';
import { createInterface } from 'node:readline';

const [url, redisUrl, keyPrefix, port, relay] = process.argv.slice(2);

@Module({
  imports: [
    StreamsModule.forRoot({ port: Number(port), host: '127.0.0.1', adapter: { type: 'redis', url: redisUrl, keyPrefix } }),
    StreamsPostgresModule.forRoot({ connectionString: url, outbox: { relay: relay === 'on', pollIntervalMs: 100 } }),
  ],
})
class CrashModule {}

async function write(outbox: StreamsOutbox, client: PoolClient, n: number): Promise<void> {
  await client.query('BEGIN');
  await client.query('INSERT INTO marks (n) VALUES ($1)', [n]);
  await outbox.with(client).set({ stream_name: 'crash', group_id: `g${n % 3}`, item_id: `i${n}`, data: { n } });
}

async function main(): Promise<void> {
  const app = await NestFactory.createApplicationContext(CrashModule, { logger: ['error'] });
  const outbox = app.get(StreamsOutbox);
  const pool = new Pool({ connectionString: url, max: 10 });
  process.stdout.on('error', () => process.exit(0));
  process.stdout.write('ready\n');
  createInterface({ input: process.stdin }).on('line', (line) => {
    const [command, a, b] = line.split('\t');
    if (command === 'hold') {
      void pool.connect().then(async (client) => {
        await write(outbox, client, Number(a));
        process.stdout.write(`holding\t${a}\n`);
      });
      return;
    }
    for (let n = Number(a); n < Number(a) + Number(b); n++) {
      void pool.connect().then(async (client) => {
        await write(outbox, client, n);
        await client.query('COMMIT');
        client.release();
        process.stdout.write(`committed\t${n}\n`);
      });
    }
  });
}

void main();
