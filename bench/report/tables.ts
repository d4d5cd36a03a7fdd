import { sizeLabel } from '../matrix';
import type { BenchReport, FanoutRow, Outcome } from '../model';
import { ms, num, ratio } from './format';
import { ratiosTo, ratiosToPlainSet } from './ratios';
import { checkTargets } from './targets';
import { renderTable, type TableStyle } from './text-table';

/** The whole report as text: machine facts, fan-out, writes, capacity, targets. */
export function renderReport(report: BenchReport, style: TableStyle): string {
  const m = report.machine;
  const facts = `${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}, ulimit -n ${m.openFilesLimit ?? '?'}, load ${m.loadAverageAtStart.join(' ')} at start; ${report.mode} run of ${report.durationS} s`;
  const sections: Array<[string, string]> = [
    ['Fan-out', fanoutTable(report, style)],
    ['Write throughput (no subscribers)', writesTable(report, style)],
    ['Connection capacity (idle sockets joined to one group)', capacityTable(report, style)],
    ['Targets', targetsTable(report, style)],
  ];
  const heading = (title: string) => (style === 'markdown' ? `#### ${title}` : `== ${title} ==`);
  return [facts, ...sections.filter(([, table]) => table !== '').map(([title, table]) => `${heading(title)}\n\n${table}`)].join('\n\n');
}

function fanoutTable(report: BenchReport, style: TableStyle): string {
  if (report.fanout.length === 0) return '';
  const header = ['server', 'op', 'clients', 'payload', 'rate', 'delivered', 'msgs/s', '×ws', 'p50 ms', 'p99 ms', 'max ms', 'CPU µs/del', '×ws', 'writes/del', 'KiB/conn'];
  const rows = report.fanout.map((r) => {
    const { server, op, clients, size } = r.row;
    const shape = [server, op, num(clients), sizeLabel(size), rateLabel(r.row)];
    const m = r.measure;
    if (!m) return [...shape, why(r), ...Array<string>(header.length - shape.length - 1).fill('')];
    const vsWs = ratiosTo(r, 'ws', report.fanout);
    const delivered = m.delivered === m.expected ? 'all' : `${num(m.delivered)}/${num(m.expected)}`;
    return [
      ...shape,
      delivered,
      num(m.msgsPerSec),
      server === 'ws' ? '' : ratio(vsWs.throughput),
      ms(m.latencyMs.p50),
      ms(m.latencyMs.p99),
      ms(m.latencyMs.max),
      num(m.serverCpuUsPerDelivery, 2),
      server === 'ws' ? '' : ratio(vsWs.cpu),
      m.serverWritesPerDelivery === undefined ? '' : num(m.serverWritesPerDelivery, 3),
      num(m.memory.heapKiB, 1),
    ];
  });
  return renderTable(header, rows, style);
}

function writesTable(report: BenchReport, style: TableStyle): string {
  if (report.writes.length === 0) return '';
  // ×set: the conditioned and keyed `set` rows against the plain `set` of the same adapter and concurrency.
  const header = ['adapter', 'op', 'in flight', 'writes', 'writes/s', '×set', 'p50 ms', 'p99 ms', 'CPU µs/write', '×set'];
  const rows = report.writes.map((r) => {
    const shape = [r.row.adapter, r.row.op, String(r.row.concurrency)];
    const m = r.measure;
    if (!m) return [...shape, why(r), ...Array<string>(header.length - shape.length - 1).fill('')];
    const vsSet = ratiosToPlainSet(r, report.writes);
    const shown = (value: number | undefined) => (value === undefined ? '' : ratio(value));
    return [...shape, num(m.writes), num(m.writesPerSec), shown(vsSet.throughput), ms(m.latencyMs.p50), ms(m.latencyMs.p99), num(m.cpuUsPerWrite, 1), shown(vsSet.cpu)];
  });
  return renderTable(header, rows, style);
}

function capacityTable(report: BenchReport, style: TableStyle): string {
  if (report.capacity.length === 0) return '';
  const header = ['server', 'connections', 'connect s', 'heap+ext KiB/conn', 'RSS KiB/conn', 'got 1 message'];
  const rows = report.capacity.map((r) => {
    const m = r.measure;
    if (!m) return [r.row.server, num(r.row.connections), why(r), '', '', ''];
    return [r.row.server, num(m.connected), num(m.connectMs / 1000, 1), num(m.memory.heapKiB, 2), num(m.memory.rssKiB, 1), num(m.delivered)];
  });
  return renderTable(header, rows, style);
}

function targetsTable(report: BenchReport, style: TableStyle): string {
  const rows = checkTargets(report).map((t) => [t.target, t.met === null ? 'not run' : t.met ? 'met' : 'MISSED', t.figures]);
  return renderTable(['target', 'result', 'figures'], rows, style);
}

function rateLabel(row: FanoutRow): string {
  if (row.rate === null) return 'max';
  return row.burst ? `${num(row.burst)} × ${num(row.rate)}/s` : `${num(row.rate)}/s`;
}

function why(result: Outcome): string {
  return 'reason' in result ? `${result.status}: ${result.reason}` : result.status;
}
