import type { BenchReport, FanoutResult, ServerName } from '../model';
import { ratio } from './format';
import { ratiosTo } from './ratios';

/** One target of issue 8, checked against this run: `met` is null when its rows did not run. */
export interface TargetCheck {
  target: string;
  met: boolean | null;
  figures: string;
}

/**
 * Throughput targets are read on max-rate rows only: paced rows deliver at the pacing rate whatever the
 * server, so their msgs/s ratio says nothing. CPU per delivery is read on every row.
 */
export function checkTargets(report: BenchReport): TargetCheck[] {
  const all = report.fanout;
  const send = (server: ServerName, pick: (r: FanoutResult) => boolean = () => true) =>
    all.filter((r) => r.row.server === server && r.row.op !== 'set' && r.measure && pick(r));
  const max = (r: FanoutResult) => r.row.rateMode === 'max';
  const atLeast = (rows: FanoutResult[], baseline: ServerName, field: 'throughput' | 'cpu', min: number, name: string): TargetCheck => {
    const values = rows.map((r) => [r.row.label, ratiosTo(r, baseline, all)[field]] as const).filter((v): v is readonly [string, number] => v[1] !== undefined);
    if (values.length === 0) return { target: name, met: null, figures: 'not measured' };
    const worst = Math.min(...values.map(([, v]) => v));
    return { target: name, met: worst >= min, figures: `worst ${ratio(worst)}; ${values.map(([l, v]) => `${l}: ${ratio(v)}`).join('; ')}` };
  };
  const memory = () => {
    const ours = report.capacity.find((r) => r.row.server === 'streams-memory')?.measure;
    const ws = report.capacity.find((r) => r.row.server === 'ws')?.measure;
    if (!ours || !ws) return { target: 'memory per idle connection ≤ plain ws + 2 KiB', met: null, figures: 'not measured' };
    const extra = ours.memory.heapKiB - ws.memory.heapKiB;
    return {
      target: 'memory per idle connection ≤ plain ws + 2 KiB',
      met: extra <= 2,
      figures: `ours ${ours.memory.heapKiB.toFixed(2)} KiB, ws ${ws.memory.heapKiB.toFixed(2)} KiB (heap+external; RSS ${ours.memory.rssKiB.toFixed(1)} vs ${ws.memory.rssKiB.toFixed(1)})`,
    };
  };
  const held = report.capacity.find((r) => r.row.server === 'streams-memory' && r.row.connections >= 10_000);
  return [
    atLeast(send('streams-memory', max), 'ws', 'throughput', 1, 'fan-out msgs/s ≥ 1.0× plain ws (max rate)'),
    atLeast(send('streams-memory'), 'ws', 'cpu', 1, 'fan-out CPU per delivery ≥ 1.0× plain ws (ws µs ÷ ours)'),
    atLeast(send('streams-memory', (r) => max(r) && r.row.clients >= 1000), 'socketio', 'throughput', 1.5, 'fan-out msgs/s ≥ 1.5× Socket.io at 1,000+ clients (max rate)'),
    atLeast(send('streams-redis-x2', max), 'socketio-redis-x2', 'throughput', 1.3, 'two Redis instances msgs/s ≥ 1.3× Socket.io + redis-adapter (max rate)'),
    memory(),
    {
      target: '10,000 connections held',
      met: held?.measure ? held.measure.connected >= 10_000 && held.measure.delivered === held.measure.connected : held ? false : null,
      figures: held?.measure ? `${held.measure.connected} connected, ${held.measure.delivered} received a message` : held && 'reason' in held ? held.reason : 'not measured',
    },
  ];
}
