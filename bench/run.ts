import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runBench } from './bench';
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
  // The outbox row (bench/postgres/outbox-latency.ts) runs apart from the matrix: it needs its own PostgreSQL.
  if (args.mode !== 'smoke' && (args.only === null || args.only.split(',').some((part) => 'outbox latency'.includes(part)))) {
    const outbox = await runOutboxLatency((line) => console.log(line), args.mode === 'full' ? 10 : 3);
    if (outbox) {
      writeFileSync(join(dir, 'outbox-latency.json'), `${JSON.stringify(outbox, null, 2)}\n`);
      console.log(`\n${outboxLatencyTable(outbox)}\n\nJSON: bench/results/outbox-latency.json`);
    }
  }
  // The mutations row (bench/mutations/mutation-bench.ts) runs apart too: 1,000 clients against one server process.
  if (args.mode !== 'smoke' && (args.only === null || args.only.split(',').some((part) => 'mutations'.includes(part)))) {
    const mutations = await runMutationBench((line) => console.log(line), args.mode === 'full' ? 10 : 3);
    writeFileSync(join(dir, 'mutations.json'), `${JSON.stringify(mutations, null, 2)}\n`);
    console.log(`\n${mutationBenchTable(mutations)}\n\nJSON: bench/results/mutations.json`);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
