import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAll, onInterrupt } from './ipc/children';
import { buildPlan, type BenchMode } from './matrix';
import type { BenchReport, CapacityRow, FanoutRow, Row, WriteRow } from './model';
import type { BenchEnv } from './orchestrate/bench-env';
import { streamsKeyPrefix } from './orchestrate/bench-env';
import { runCapacity } from './orchestrate/capacity';
import { ClientPool } from './orchestrate/client-pool';
import { runFanoutBlock } from './orchestrate/fanout';
import { deleteKeys, redisProblem } from './orchestrate/redis-cleanup';
import { runWriteGroup } from './orchestrate/writes';
import { machineFacts } from './report/machine';

export interface BenchOptions {
  mode: BenchMode;
  /** Only rows whose label contains one of these comma-separated substrings. */
  only: string | null;
  /** Servers whose group label contains this run with `--cpu-prof` (profiles in bench/results/profiles). */
  cpuProf: string | null;
  /** Load processes; the sockets are split evenly over them. */
  clientProcesses: number;
  log(line: string): void;
}

/** Runs one benchmark: every selected row, one after another, the servers and load in their own processes. */
export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const started = new Date();
  const { rows, rounds, writeRounds } = buildPlan(options.mode);
  const wanted = options.only?.split(',') ?? null;
  const plan = rows.filter((row) => wanted === null || wanted.some((part) => row.label.includes(part)));
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const env: BenchEnv = {
    runId: `${started.getTime().toString(36)}${process.pid.toString(36)}`,
    redisUrl,
    redisProblem: await redisProblem(redisUrl),
    tmpDir: mkdtempSync(join(tmpdir(), 'streams-bench-')),
    pool: new ClientPool(options.clientProcesses),
    cpuProf: options.cpuProf,
    log: options.log,
  };
  const report: BenchReport = { startedAt: started.toISOString(), mode: options.mode, rounds, writeRounds, durationS: 0, machine: machineFacts(), fanout: [], writes: [], capacity: [] };
  options.log(`${plan.length} rows, ${rounds} round(s) of fan-out, ${writeRounds} of writes, run ${env.runId}${env.redisProblem ? ` (${env.redisProblem}: Redis rows skipped)` : ''}`);
  const cleanup = async (): Promise<void> => {
    rmSync(env.tmpDir, { recursive: true, force: true });
    if (!env.redisProblem) await deleteKeys(redisUrl, streamsKeyPrefix(env)).catch(() => 0);
  };
  const forgetCleanup = onInterrupt(cleanup);
  try {
    for (const block of groups(plan.filter((r): r is FanoutRow => r.kind === 'fanout'), (r) => String(r.clients))) {
      report.fanout.push(...(await runFanoutBlock(block, env, rounds)));
    }
    for (const block of groups(plan.filter((r): r is WriteRow => r.kind === 'write'), (r) => r.adapter)) {
      report.writes.push(...(await runWriteGroup(block, env, writeRounds)));
    }
    for (const row of plan.filter((r): r is CapacityRow => r.kind === 'capacity')) {
      report.capacity.push(await runCapacity(row, env));
    }
  } finally {
    await env.pool.close();
    killAll();
    forgetCleanup();
    await cleanup();
  }
  report.durationS = Math.round((Date.now() - started.getTime()) / 1000);
  return report;
}

/** Consecutive runs of rows with the same key (the plan already orders them so). */
function groups<R extends Row>(rows: R[], key: (row: R) => string): R[][] {
  const out: R[][] = [];
  for (const row of rows) {
    const last = out.at(-1);
    if (last && key(last[0]) === key(row)) last.push(row);
    else out.push([row]);
  }
  return out;
}
