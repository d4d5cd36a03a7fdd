import { LatencyHistogram } from '../stats/histogram';
import type { WriteResult, WriteRow } from '../model';
import { type BenchEnv, streamsAdapter } from './bench-env';
import { failed, reasonOf } from './measure';
import { ITEMS } from '../servers/write-load';
import { ServerGroup } from './server-group';

/** Payload of the `set` writes, in bytes (the `update` rows increment a counter and set a string of this size). */
const WRITE_SIZE = 256;
const SLACK_MS = 30_000;
/**
 * Unmeasured plain `set`s before the first row, every item twice: the rows then all update existing items
 * on a warm process, and `set-if-version` finds every item's version, whichever row runs first.
 */
const WARM_UP = { op: 'set', concurrency: 32, maxWrites: 2 * ITEMS, maxMs: 20_000, size: WRITE_SIZE } as const;

/** Write throughput of one adapter: one server process, no subscribers, `set` / `update` through StreamsService. */
export async function runWriteGroup(rows: WriteRow[], env: BenchEnv): Promise<WriteResult[]> {
  const adapter = rows[0].adapter;
  if (adapter === 'redis' && env.redisProblem) return rows.map((row) => ({ row, status: 'skipped', reason: env.redisProblem ?? '' }));
  let group: ServerGroup;
  try {
    group = await ServerGroup.start(`write ${adapter}`, { kind: 'streams', adapter: streamsAdapter(adapter, env) }, 1, env);
  } catch (error) {
    return rows.map((row) => ({ row, status: 'skipped', reason: `not available: ${reasonOf(error)}` }));
  }
  const results: WriteResult[] = [];
  try {
    const warmUp = await group.writer.call('write', WARM_UP, WARM_UP.maxMs + SLACK_MS).then(
      () => null,
      (error: unknown) => failed(error),
    );
    if (warmUp) return rows.map((row) => ({ row, ...warmUp }));
    for (const row of rows) {
      const result = await runRow(row, group).catch((error: unknown): WriteResult => ({ row, ...failed(error) }));
      if (result.measure) env.log(`  ${row.label}: ${Math.round(result.measure.writesPerSec)} writes/s`);
      else env.log(`  ${row.label}: ${result.status}`);
      results.push(result);
    }
  } finally {
    await group.stop();
  }
  return results;
}

async function runRow(row: WriteRow, group: ServerGroup): Promise<WriteResult> {
  await group.mark();
  const { maxWrites, maxMs, op, concurrency } = row;
  const out = await group.writer.call('write', { op, concurrency, maxWrites, maxMs, size: WRITE_SIZE }, maxMs + SLACK_MS);
  const cpuUs = await group.cpuUs();
  const latency = new LatencyHistogram();
  latency.merge(out.latency);
  return {
    row,
    status: 'ok',
    measure: {
      writes: out.writes,
      writesPerSec: (out.writes / out.ms) * 1000,
      latencyMs: { p50: latency.percentile(0.5), p99: latency.percentile(0.99), max: latency.maxMs },
      cpuUsPerWrite: cpuUs / out.writes,
    },
  };
}
