import { Test } from '@nestjs/testing';
import { StreamsListener, StreamsModule } from 'nest-realtime-streams';
import { migrateOutbox, StreamsOutbox, StreamsPostgresModule } from 'nest-realtime-streams/postgres';
import { Pool } from 'pg';
import { PgCluster, pgBinDir } from '../../test/support/pg-cluster';
import { type CommitLatency, measureCommitLatency } from './commit-latency';

/**
 * Outbox row (issue 26): commit → client latency at a fixed rate of committed writes. One process holds the
 * app (memory adapter, StreamsPostgresModule with its relay), the writers (a pool of 16 connections, each
 * write its own transaction: BEGIN, outbox set, COMMIT, started on a fixed schedule) and one WebSocket
 * client joined to every group; a throwaway PostgreSQL cluster (fsync off) on loopback. Latency runs from
 * the writer seeing COMMIT acknowledged to the client receiving the frame.
 */
export interface OutboxLatencyRow extends CommitLatency {
  ratePerSecond: number;
}

const GROUPS = 50;

async function measure(rate: number, seconds: number, cluster: PgCluster): Promise<OutboxLatencyRow> {
  const db = `bench_${rate}`;
  const admin = new Pool({ connectionString: cluster.url, max: 1 });
  await admin.query(`CREATE DATABASE ${db}`);
  await admin.end();
  const url = cluster.urlOf(db);
  const pool = new Pool({ connectionString: url, max: 16 });
  // The writers' pool: a connection the cluster's shutdown terminates while idle must not end the run.
  pool.on('error', () => undefined);
  await migrateOutbox(pool);
  const moduleRef = await Test.createTestingModule({
    imports: [StreamsModule.forRoot({ port: 0, host: '127.0.0.1' }), StreamsPostgresModule.forRoot({ connectionString: url })],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  const outbox = app.get(StreamsOutbox);
  const measured = await measureCommitLatency({
    port: app.get(StreamsListener).address().port,
    groups: GROUPS,
    rate,
    seconds,
    writeOf: (frame) => (frame.event?.type === 'event' ? (frame.event.event!.data as number) : null),
    commit: async (n) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await outbox.with(client).send({ stream_name: 'bench', group_id: `g${n % GROUPS}`, type: 'tick', data: n });
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    },
    settleMs: 10_000,
  });
  await app.close();
  await pool.end();
  return { ratePerSecond: rate, ...measured };
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
