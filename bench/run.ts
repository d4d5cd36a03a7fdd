import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runBench } from './bench';
import { captureLatencyTable, runCaptureLatency } from './postgres/capture-latency';
import { deltaBytesTable, deltaCpuTable, runDeltaBytes, runDeltaCpu } from './deltas/delta-bytes';
import { mutationBenchTable, runMutationBench } from './mutations/mutation-bench';
import { outboxLatencyTable, runOutboxLatency } from './postgres/outbox-latency';
import type { BenchMode } from './matrix';
import type { BenchReport } from './model';
import { renderReport } from './report/tables';

/**
 * `npm run bench` — the full matrix; `-- --quick` a tiny one; `--only=<substring>[,<substring>...]` picks
 * rows by label; `--cpu-prof=<substring>` profiles matching server processes; `--clients=<n>` sets the
 * number of load processes (default 2); `--markdown` prints Markdown tables; `--from=<report.json>` only
 * prints a saved report (e.g. as Markdown for the docs).
 */
interface Args {
  mode: BenchMode;
  only: string | null;
  cpuProf: string | null;
  markdown: boolean;
  clients: number;
  from: string | null;
}

function parseArgs(argv: string[]): Args {
  const value = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? null;
  const unknown = argv.filter((a) => !/^--(quick|smoke|markdown|only=.+|cpu-prof=.+|clients=[1-9]\d*|from=.+)$/.test(a));
  if (unknown.length > 0) throw new Error(`unknown argument(s): ${unknown.join(' ')}`);
  return {
    mode: argv.includes('--smoke') ? 'smoke' : argv.includes('--quick') ? 'quick' : 'full',
    only: value('only'),
    cpuProf: value('cpu-prof'),
    markdown: argv.includes('--markdown'),
    clients: Number(value('clients') ?? 2),
    from: value('from'),
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const style = args.markdown ? 'markdown' : 'text';
  if (args.from) {
    console.log(renderReport(JSON.parse(readFileSync(args.from, 'utf8')) as BenchReport, style));
    return;
  }
  const report = await runBench({ mode: args.mode, only: args.only, cpuProf: args.cpuProf, clientProcesses: args.clients, log: (line) => console.log(line) });
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\n${renderReport(report, style)}\n\nJSON: bench/results/latest.json`);
  // The outbox and capture rows (bench/postgres/) run apart from the matrix: they need their own PostgreSQL.
  await runApart(args, dir, 'outbox latency', runOutboxLatency, outboxLatencyTable);
  await runApart(args, dir, 'capture latency', runCaptureLatency, captureLatencyTable);
  // The deltas rows (bench/deltas/delta-bytes.ts): bytes per subscriber, full values vs deltas, and server CPU.
  await runApart(
    args,
    dir,
    'delta bytes',
    async (log) => ({ bytes: await runDeltaBytes(log), cpu: await runDeltaCpu(log, args.mode === 'full' ? [1000, 5000] : [200]) }),
    ({ bytes, cpu }) => `${deltaBytesTable(bytes)}\n\n${deltaCpuTable(cpu)}`,
  );
  // The mutations row (bench/mutations/mutation-bench.ts): 1,000 clients against one server process.
  await runApart(args, dir, 'mutations', runMutationBench, mutationBenchTable);
}

/** A row run apart from the matrix, unless `--smoke` or `--only` leaves it out; its JSON goes to bench/results/<label>.json. */
async function runApart<T>(args: Args, dir: string, label: string, run: (log: (line: string) => void, seconds: number) => Promise<T | null>, table: (result: T) => string): Promise<void> {
  if (args.mode === 'smoke' || (args.only !== null && !args.only.split(',').some((part) => label.includes(part)))) return;
  const result = await run((line) => console.log(line), args.mode === 'full' ? 10 : 3);
  if (!result) return;
  const file = `${label.replace(' ', '-')}.json`;
  writeFileSync(join(dir, file), `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\n${table(result)}\n\nJSON: bench/results/${file}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
