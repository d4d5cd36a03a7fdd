import { performance } from 'node:perf_hooks';
import { Test } from '@nestjs/testing';
import { StreamsListener, StreamsMetrics, StreamsModule } from 'nest-realtime-streams';
import { StreamsPostgresModule, type StreamsCaptureOptions } from 'nest-realtime-streams/postgres';
import { Pool } from 'pg';
import { metricValue } from '../../test/support/metrics-text';
import { PgCluster, pgBinDir } from '../../test/support/pg-cluster';
import { type CommitLatency, measureCommitLatency } from './commit-latency';

/**
 * Change-capture rows (issue 26): table change → client latency at a fixed rate of committed inserts, and
 * catch-up throughput. One process holds the app (memory adapter, StreamsPostgresModule capturing `ticks`),
 * the writers (16 pooled connections, each insert its own transaction, started on a fixed schedule) and one
 * WebSocket client joined to every group; a throwaway PostgreSQL cluster (fsync off) on loopback. Latency
 * runs from the writer seeing the INSERT's commit acknowledged to the client receiving the `create` frame.
 * Throughput: rows committed while no instance consumed, then the time from the consumer's app starting to
 * its last write (`streams_capture_writes_total`).
 */
export interface CaptureLatencyRow extends CommitLatency {
  ratePerSecond: number;
}

export interface CaptureThroughput {
  rows: number;
  seconds: number;
  rowsPerSecond: number;
}

const GROUPS = 50;
// A slot decodes one database: one per benchmark database.
const capture = (slot: string, consumer: boolean): StreamsCaptureOptions => ({ slot, consumer, tables: [{ table: 'ticks', stream: 'bench', group: (row) => `g${row.n % GROUPS}`, id: 'n' }] });

async function database(cluster: PgCluster, name: string): Promise<string> {
  const admin = new Pool({ connectionString: cluster.url, max: 1 });
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = cluster.urlOf(name);
  const pool = new Pool({ connectionString: url, max: 1 });
  await pool.query('CREATE TABLE ticks (n int PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())');
  await pool.end();
  return url;
}

async function startApp(url: string, slot: string, consumer: boolean) {
  const moduleRef = await Test.createTestingModule({
    imports: [StreamsModule.forRoot({ port: 0, host: '127.0.0.1' }), StreamsPostgresModule.forRoot({ connectionString: url, outbox: false, capture: capture(slot, consumer) })],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

async function measure(rate: number, seconds: number, cluster: PgCluster): Promise<CaptureLatencyRow> {
  const url = await database(cluster, `capture_${rate}`);
  const pool = new Pool({ connectionString: url, max: 16 });
  const app = await startApp(url, `capture_${rate}`, true);
  const measured = await measureCommitLatency({
    port: app.get(StreamsListener).address().port,
    groups: GROUPS,
    rate,
    seconds,
    writeOf: (frame) => (frame.event?.type === 'create' ? Number(frame.id) : null),
    commit: async (n) => {
      await pool.query('INSERT INTO ticks (n) VALUES ($1)', [n]);
    },
    settleMs: 20_000,
  });
  await app.close();
  await pool.end();
  return { ratePerSecond: rate, ...measured };
}

async function throughput(rows: number, cluster: PgCluster): Promise<CaptureThroughput> {
  const url = await database(cluster, 'capture_backlog');
  // Creates the slot and publication without consuming, then the backlog: 100-row transactions.
  await (await startApp(url, 'capture_backlog', false)).close();
  const pool = new Pool({ connectionString: url, max: 4 });
  for (let from = 0; from < rows; from += 100) await pool.query('INSERT INTO ticks (n) SELECT generate_series($1::int, $2::int)', [from, Math.min(rows, from + 100) - 1]);
  await pool.end();
  const start = performance.now();
  const app = await startApp(url, 'capture_backlog', true);
  const written = async () => metricValue(await app.get(StreamsMetrics).text(), 'streams_capture_writes_total{operation="set"}') ?? 0;
  const end = start + 120_000;
  while ((await written()) < rows && performance.now() < end) await new Promise((r) => setTimeout(r, 20));
  const seconds = (performance.now() - start) / 1000;
  const done = await written();
  await app.close();
  return { rows: done, seconds, rowsPerSecond: done / seconds };
}

/** Both rates and the catch-up on one throwaway cluster; null when PostgreSQL's server binaries are not installed. */
export async function runCaptureLatency(log: (line: string) => void, seconds = 10): Promise<{ latency: CaptureLatencyRow[]; throughput: CaptureThroughput } | null> {
  if (!pgBinDir()) {
    log('capture latency: skipped (PostgreSQL server binaries not installed)');
    return null;
  }
  const cluster = await PgCluster.start();
  try {
    const latency: CaptureLatencyRow[] = [];
    for (const rate of [500, 2000]) {
      const row = await measure(rate, seconds, cluster);
      log(`capture latency @ ${rate}/s: p50 ${row.p50Ms.toFixed(2)} ms, p99 ${row.p99Ms.toFixed(2)} ms, max ${row.maxMs.toFixed(1)} ms (${row.delivered}/${row.writes} delivered, ${row.beforeAck} before the ack)`);
      latency.push(row);
    }
    const caughtUp = await throughput(seconds * 2000, cluster);
    log(`capture throughput: ${caughtUp.rows} rows caught up in ${caughtUp.seconds.toFixed(2)} s (${Math.round(caughtUp.rowsPerSecond)} rows/s)`);
    return { latency, throughput: caughtUp };
  } finally {
    await cluster.dispose();
  }
}

/** The docs/benchmarks.md tables. */
export function captureLatencyTable({ latency, throughput: t }: { latency: CaptureLatencyRow[]; throughput: CaptureThroughput }): string {
  const lines = ['| committed inserts/s | inserts | delivered | before the ack | p50 | p99 | max |', '|---|---|---|---|---|---|---|'];
  for (const r of latency) lines.push(`| ${r.ratePerSecond} | ${r.writes} | ${r.delivered} | ${r.beforeAck} | ${r.p50Ms.toFixed(2)} ms | ${r.p99Ms.toFixed(2)} ms | ${r.maxMs.toFixed(1)} ms |`);
  lines.push('', '| backlog rows | caught up in | rows/s |', '|---|---|---|', `| ${t.rows} | ${t.seconds.toFixed(2)} s | ${Math.round(t.rowsPerSecond)} |`);
  return lines.join('\n');
}

if (require.main === module) {
  runCaptureLatency((line) => console.log(line), Number(process.argv[2] ?? 10)).then(
    (result) => {
      if (result) console.log(`\n${captureLatencyTable(result)}`);
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
