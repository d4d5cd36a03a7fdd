import type { FanoutMeasure, FanoutResult, ServerName, WriteMeasure, WriteResult } from '../model';
import { median } from '../stats/median';

/** Ratios to another server's row of the same shape (clients, payload, rate); both read "higher is better". */
export interface Ratios {
  /** This row's delivered msgs/s ÷ the other's. */
  throughput: number | undefined;
  /** The other's CPU µs per delivery ÷ this row's (2.0× = half the CPU per delivery). */
  cpu: number | undefined;
}

/**
 * The median over rounds of the ratio within each round: a row and its baseline ran seconds apart in the
 * same round, so each pair saw the same background load.
 */
export function ratiosTo(result: FanoutResult, baseline: ServerName, all: FanoutResult[]): Ratios {
  const mine = result.rounds ?? [];
  const theirs = counterpart(result, baseline, all);
  const pairs = mine.slice(0, theirs.length).map((m, i): [FanoutMeasure, FanoutMeasure] => [m, theirs[i]]);
  if (pairs.length === 0) return { throughput: undefined, cpu: undefined };
  return {
    throughput: median(pairs.map(([m, t]) => m.msgsPerSec / t.msgsPerSec)),
    cpu: median(pairs.map(([m, t]) => t.serverCpuUsPerDelivery / m.serverCpuUsPerDelivery)),
  };
}

function counterpart(result: FanoutResult, server: ServerName, all: FanoutResult[]): FanoutMeasure[] {
  const { clients, size, rateMode } = result.row;
  const match = all.find((r) => r.row.server === server && r.row.op !== 'set' && r.row.clients === clients && r.row.size === size && r.row.rateMode === rateMode);
  return match?.rounds ?? [];
}

/**
 * A write row against the plain `set` row of its adapter and concurrency (same server process, run just
 * before it in each round): writes/s ÷ plain's, and plain's CPU µs per write ÷ this row's, the median over
 * rounds of the ratio within each round (runs saved before rounds existed: their one measure). Undefined
 * for the plain row.
 */
export function ratiosToPlainSet(result: WriteResult, all: WriteResult[]): Ratios {
  const { adapter, concurrency, op } = result.row;
  const plain = all.find((r) => r.row.op === 'set' && r.row.adapter === adapter && r.row.concurrency === concurrency);
  const mine = result.rounds ?? (result.measure ? [result.measure] : []);
  const theirs = plain?.rounds ?? (plain?.measure ? [plain.measure] : []);
  const pairs = mine.slice(0, theirs.length).map((m, i): [WriteMeasure, WriteMeasure] => [m, theirs[i]]);
  if (op === 'set' || op === 'update' || pairs.length === 0) return { throughput: undefined, cpu: undefined };
  return {
    throughput: median(pairs.map(([m, p]) => m.writesPerSec / p.writesPerSec)),
    cpu: median(pairs.map(([m, p]) => p.cpuUsPerWrite / m.cpuUsPerWrite)),
  };
}
