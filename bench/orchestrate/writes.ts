import { LatencyHistogram } from '../stats/histogram';
import type { WriteMeasure, WriteResult, WriteRow } from '../model';
import { median } from '../stats/median';
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

/**
 * Write throughput of one adapter: one server process, no subscribers, `set` / `update` through
 * StreamsService. The rows run round after round (each round every row once), so a row and the plain `set`
 * it is compared with always ran seconds apart (see ratiosToPlainSet); a row's measure is the per-field
 * median of its rounds.
 */
export async function runWriteGroup(rows: WriteRow[], env: BenchEnv, rounds: number): Promise<WriteResult[]> {
  const adapter = rows[0].adapter;
  if (adapter === 'redis' && env.redisProblem) return rows.map((row) => ({ row, status: 'skipped', reason: env.redisProblem ?? '' }));
  let group: ServerGroup;
  try {
    group = await ServerGroup.start(`write ${adapter}`, { kind: 'streams', adapter: streamsAdapter(adapter, env) }, 1, env);
  } catch (error) {
    return rows.map((row) => ({ row, status: 'skipped', reason: `not available: ${reasonOf(error)}` }));
  }
  const measures = rows.map((): WriteMeasure[] => []);
  const failures = new Map<WriteRow, WriteResult>();
  try {
    const warmUp = await group.writer.call('write', WARM_UP, WARM_UP.maxMs + SLACK_MS).then(
      () => null,
      (error: unknown) => failed(error),
    );
    if (warmUp) return rows.map((row) => ({ row, ...warmUp }));
    for (let round = 1; round <= rounds; round++) {
      for (const [i, row] of rows.entries()) {
        if (failures.has(row)) continue;
        try {
          const measure = await runRow(row, group);
          measures[i].push(measure);
          env.log(`  [${round}/${rounds}] ${row.label}: ${Math.round(measure.writesPerSec)} writes/s`);
        } catch (error) {
          failures.set(row, { row, ...failed(error) });
          env.log(`  [${round}/${rounds}] ${row.label}: failed (${reasonOf(error)})`);
        }
      }
    }
  } finally {
    await group.stop();
  }
  return rows.map((row, i) => failures.get(row) ?? { row, status: 'ok', measure: medianOf(measures[i]), rounds: measures[i] });
}

async function runRow(row: WriteRow, group: ServerGroup): Promise<WriteMeasure> {
  await group.mark();
  const { maxWrites, maxMs, op, concurrency } = row;
  const out = await group.writer.call('write', { op, concurrency, maxWrites, maxMs, size: WRITE_SIZE }, maxMs + SLACK_MS);
  const cpuUs = await group.cpuUs();
  const latency = new LatencyHistogram();
  latency.merge(out.latency);
  return {
    writes: out.writes,
    writesPerSec: (out.writes / out.ms) * 1000,
    latencyMs: { p50: latency.percentile(0.5), p99: latency.percentile(0.99), max: latency.maxMs },
    cpuUsPerWrite: cpuUs / out.writes,
  };
}

/** The per-field median of a row's rounds; `writes` is their total. */
function medianOf(rounds: WriteMeasure[]): WriteMeasure {
  const mid = (pick: (m: WriteMeasure) => number) => median(rounds.map(pick));
  return {
    writes: rounds.reduce((sum, m) => sum + m.writes, 0),
    writesPerSec: mid((m) => m.writesPerSec),
    latencyMs: { p50: mid((m) => m.latencyMs.p50), p99: mid((m) => m.latencyMs.p99), max: Math.max(...rounds.map((m) => m.latencyMs.max)) },
    cpuUsPerWrite: mid((m) => m.cpuUsPerWrite),
  };
}
