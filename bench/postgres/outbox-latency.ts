import { performance } from 'node:perf_hooks';
import { Test } from '@nestjs/testing';
import { StreamsListener, StreamsModule } from 'nest-realtime-streams';
import { migrateOutbox, StreamsOutbox, StreamsPostgresModule } from 'nest-realtime-streams/postgres';
import { Pool } from 'pg';
import WebSocket from 'ws';
import { PgCluster, pgBinDir } from '../../test/support/pg-cluster';
import { LatencyHistogram } from '../stats/histogram';

/**
 * Outbox row (issue 26): commit → client latency at a fixed rate of committed writes. One process holds the
 * app (memory adapter, StreamsPostgresModule with its relay), the writers (a pool of 16 connections, each
 * write its own transaction: BEGIN, outbox set, COMMIT, started on a fixed schedule) and one WebSocket
 * client joined to every group; a throwaway PostgreSQL cluster (fsync off) on loopback. Latency runs from
 * the writer seeing COMMIT acknowledged to the client receiving the frame.
 */
export interface OutboxLatencyRow {
  ratePerSecond: number;
  writes: number;
  delivered: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

const GROUPS = 50;

async function measure(rate: number, seconds: number, cluster: PgCluster): Promise<OutboxLatencyRow> {
  const db = `bench_${rate}`;
  const admin = new Pool({ connectionString: cluster.url, max: 1 });
  await admin.query(`CREATE DATABASE ${db}`);
  await admin.end();
  const url = cluster.urlOf(db);
  const pool = new Pool({ connectionString: url, max: 16 });
  await migrateOutbox(pool);
  const moduleRef = await Test.createTestingModule({
    imports: [StreamsModule.forRoot({ port: 0, host: '127.0.0.1' }), StreamsPostgresModule.forRoot({ connectionString: url })],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  const outbox = app.get(StreamsOutbox);
  const socket = new WebSocket(`ws://127.0.0.1:${app.get(StreamsListener).address().port}/`);
  await new Promise((resolve) => socket.once('open', resolve));
  const committedAt = new Map<number, number>();
  const early = new Map<number, number>();
  const histogram = new LatencyHistogram();
  let synced = 0;
  socket.on('message', (data) => {
    const now = performance.now();
    const frame = JSON.parse(data.toString()) as { event?: { type: string; event?: { data: number } } };
    if (frame.event?.type === 'sync') synced++;
    if (frame.event?.type !== 'event') return;
    const n = frame.event.event!.data;
    const at = committedAt.get(n);
    // A frame may beat the writer's own COMMIT acknowledgement: counted once that arrives.
    if (at === undefined) early.set(n, now);
    else histogram.record(now - at);
  });
  for (let g = 0; g < GROUPS; g++) socket.send(JSON.stringify({ type: 'join', data: { subscriptionId: `g${g}`, streamName: 'bench', groupId: `g${g}` } }));
  while (synced < GROUPS) await new Promise((r) => setTimeout(r, 5));

  const total = rate * seconds;
  const start = performance.now();
  const writes: Array<Promise<void>> = [];
  for (let n = 0; n < total; n++) {
    const due = start + (n * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    writes.push(
      (async () => {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          await outbox.with(client).send({ stream_name: 'bench', group_id: `g${n % GROUPS}`, type: 'tick', data: n });
          await client.query('COMMIT');
          const now = performance.now();
          committedAt.set(n, now);
          const seen = early.get(n);
          if (seen !== undefined) histogram.record(Math.max(0, seen - now));
        } finally {
          client.release();
        }
      })(),
    );
  }
  await Promise.all(writes);
  const end = performance.now() + 10_000;
  while (histogram.count < total && performance.now() < end) await new Promise((r) => setTimeout(r, 20));
  socket.terminate();
  await app.close();
  await pool.end();
  return { ratePerSecond: rate, writes: total, delivered: histogram.count, p50Ms: histogram.percentile(0.5), p99Ms: histogram.percentile(0.99), maxMs: histogram.maxMs };
}

/** Both rates on one throwaway cluster; null when PostgreSQL's server binaries are not installed. */
export async function runOutboxLatency(log: (line: string) => void, seconds = 10): Promise<OutboxLatencyRow[] | null> {
  if (!pgBinDir()) {
    log('outbox latency: skipped (PostgreSQL server binaries not installed)');
    return null;
  }
  const cluster = await PgCluster.start();
  try {
    const rows: OutboxLatencyRow[] = [];
    for (const rate of [500, 2000]) {
      const row = await measure(rate, seconds, cluster);
      log(`outbox latency @ ${rate}/s: p50 ${row.p50Ms.toFixed(2)} ms, p99 ${row.p99Ms.toFixed(2)} ms, max ${row.maxMs.toFixed(1)} ms (${row.delivered}/${row.writes} delivered)`);
      rows.push(row);
    }
    return rows;
  } finally {
    await cluster.dispose();
  }
}

/** The docs/reference/benchmarks.md table. */
export function outboxLatencyTable(rows: OutboxLatencyRow[]): string {
  const lines = ['| committed writes/s | writes | delivered | p50 | p99 | max | target (2,000/s) |', '|---|---|---|---|---|---|---|'];
  for (const r of rows) {
    lines.push(`| ${r.ratePerSecond} | ${r.writes} | ${r.delivered} | ${r.p50Ms.toFixed(2)} ms | ${r.p99Ms.toFixed(2)} ms | ${r.maxMs.toFixed(1)} ms | ${r.ratePerSecond === 2000 ? 'p50 ≤ 5 ms, p99 ≤ 50 ms' : '—'} |`);
  }
  return lines.join('\n');
}

if (require.main === module) {
  runOutboxLatency((line) => console.log(line)).then(
    (rows) => {
      if (rows) console.log(`\n${outboxLatencyTable(rows)}`);
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
