import type { BenchReport, FanoutResult, ServerName } from '../model';
import type { WriteOp } from '../servers/server-api';
import { BENCH_WINDOW_MS } from '../orchestrate/server-defs';
import { ms, ratio } from './format';
import { ratiosTo, ratiosToPlainSet } from './ratios';

/** One target (issues 17 and 25), checked against this run: `met` is null when its rows did not run. */
export interface TargetCheck {
  target: string;
  met: boolean | null;
  figures: string;
}

/** Issue 25: a `set` with a condition or an idempotency key does at least this share of plain `set`'s writes/s. */
const OPTIONS_MIN_RATIO = 0.9;

/** Idle memory per connection over plain ws before issue 17 (2026-11-23: 4.27 vs 2.59 KiB). */
const MEMORY_OVER_WS_KIB = 1.7;

/**
 * The targets of issue 17 (batched writes), read on the 1,000- and 5,000-client rows: CPU per delivery at
 * max rate and bursty, with the window on (`streams-memory-w10`) and off (`streams-memory`, the default);
 * p99 of the paced rows against plain ws's plus the window; idle memory per connection (capacity rows).
 * Then issue 25's: each adapter's conditioned and keyed `set` rows against its plain `set`.
 */
export function checkTargets(report: BenchReport): TargetCheck[] {
  const all = report.fanout;
  const rows = (server: ServerName, pick: (r: FanoutResult) => boolean) =>
    all.filter((r) => r.row.server === server && r.row.op !== 'set' && r.row.clients >= 1_000 && r.measure && pick(r));
  const heavy = (r: FanoutResult) => r.row.rateMode !== 'paced';
  const paced = (r: FanoutResult) => r.row.rateMode === 'paced';
  const cpuAtLeast = (server: ServerName, min: number, name: string): TargetCheck => {
    const values = rows(server, heavy)
      .map((r) => [r.row.label, ratiosTo(r, 'ws', all).cpu] as const)
      .filter((v): v is readonly [string, number] => v[1] !== undefined);
    if (values.length === 0) return { target: name, met: null, figures: 'not measured' };
    const worst = Math.min(...values.map(([, v]) => v));
    return { target: name, met: worst >= min, figures: `worst ${ratio(worst)}; ${values.map(([l, v]) => `${l}: ${ratio(v)}`).join('; ')}` };
  };
  const p99Within = (server: ServerName, windowMs: number): Array<readonly [string, boolean, string]> =>
    rows(server, paced).flatMap((r) => {
      const ws = all.find((b) => b.row.server === 'ws' && b.row.clients === r.row.clients && b.row.size === r.row.size && paced(b))?.measure;
      if (!ws || !r.measure) return [];
      const ours = r.measure.latencyMs.p99;
      return [[r.row.label, ours <= ws.latencyMs.p99 + windowMs, `${r.row.label}: ${ms(ours)} vs ${ms(ws.latencyMs.p99)}${windowMs ? ` + ${windowMs}` : ''}`] as const];
    });
  const latency = (): TargetCheck => {
    const name = 'paced p99 ≤ plain ws p99 + the window';
    const checks = [...p99Within('streams-memory', 0), ...p99Within('streams-memory-w10', BENCH_WINDOW_MS)];
    if (checks.length === 0) return { target: name, met: null, figures: 'not measured' };
    return { target: name, met: checks.every(([, ok]) => ok), figures: checks.map(([, , text]) => text).join('; ') };
  };
  const memory = (): TargetCheck => {
    const name = `memory per idle connection ≤ plain ws + ${MEMORY_OVER_WS_KIB} KiB`;
    const ours = report.capacity.find((r) => r.row.server === 'streams-memory')?.measure;
    const ws = report.capacity.find((r) => r.row.server === 'ws')?.measure;
    if (!ours || !ws) return { target: name, met: null, figures: 'not measured (capacity rows)' };
    const extra = ours.memory.heapKiB - ws.memory.heapKiB;
    return {
      target: name,
      met: extra <= MEMORY_OVER_WS_KIB,
      figures: `ours ${ours.memory.heapKiB.toFixed(2)} KiB, ws ${ws.memory.heapKiB.toFixed(2)} KiB, +${extra.toFixed(2)} (heap+external; RSS ${ours.memory.rssKiB.toFixed(1)} vs ${ws.memory.rssKiB.toFixed(1)})`,
    };
  };
  const option = (adapter: string, op: WriteOp, what: string): TargetCheck => {
    const name = `${adapter}: set with ${what} ≥ ${OPTIONS_MIN_RATIO}× plain set writes/s`;
    const values = report.writes
      .filter((r) => r.row.adapter === adapter && r.row.op === op)
      .map((r): readonly [string, number | undefined] => [`c${r.row.concurrency}`, ratiosToPlainSet(r, report.writes).throughput])
      .filter((v): v is readonly [string, number] => v[1] !== undefined);
    if (values.length === 0) return { target: name, met: null, figures: 'not measured' };
    return { target: name, met: values.every(([, v]) => v >= OPTIONS_MIN_RATIO), figures: values.map(([l, v]) => `${l}: ${ratio(v)}`).join('; ') };
  };
  const held = report.capacity.find((r) => r.row.server === 'streams-memory' && r.row.connections >= 10_000);
  return [
    cpuAtLeast('streams-memory-w10', 2, `window on (${BENCH_WINDOW_MS} ms): CPU per delivery ≤ 0.5× plain ws, max rate and bursty, 1,000+ clients`),
    cpuAtLeast('streams-memory', 1, 'window off: CPU per delivery never worse than plain ws, max rate and bursty, 1,000+ clients'),
    latency(),
    memory(),
    {
      target: '10,000 connections held',
      met: held?.measure ? held.measure.connected >= 10_000 && held.measure.delivered === held.measure.connected : held ? false : null,
      figures: held?.measure ? `${held.measure.connected} connected, ${held.measure.delivered} received a message` : held && 'reason' in held ? held.reason : 'not measured',
    },
    ...(['memory', 'file', 'redis'] as const).flatMap((adapter) => [option(adapter, 'set-if-version', 'if_version'), option(adapter, 'set-keyed', 'idempotency_key')]),
  ];
}
