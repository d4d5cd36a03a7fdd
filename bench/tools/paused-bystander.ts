/**
 * Bystanders of paused clients under CPU contention (issue 23; docs/reference/benchmarks.md, "Paused clients under
 * CPU contention"): one server (this module, memory adapter, default options) in its own process, 8 fast
 * clients and 10 paused ones (their TCP socket stops reading) on one group, 4 KiB item updates at 900/s,
 * and one core kept busy by another process. Prints the fast clients' latency, what each paused socket made
 * the server hold at most (its TCP buffer, batched and waiting frames, against `limits.bufferedBytes`), the
 * server's peak memory, its CPU per delivered message, GC and event-loop delay. Bounded: it stops by
 * itself after the run (and its children with it).
 *
 *   node -r @swc-node/register bench/tools/paused-bystander.ts [--seconds=10] [--paused=10] [--idle-machine]
 *     [--send-path] [--cpu-prof=<name>] [--json]
 *
 * `--idle-machine`: no busy process; `--send-path`: the server runs with `writes: { fastPath: false }`;
 * `--cpu-prof`: the server writes bench/results/profiles/<name>.cpuprofile; `--json`: one JSON line instead
 * of text (for A/B runs across commits, the figures move a lot from run to run on a loaded machine).
 */
import { spawn, spawnSync } from 'node:child_process';
import type { Socket } from 'node:net';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { openStreams } from '../clients/connectors/streams.connector';
import { killAll, track } from '../ipc/children';
import { RpcChild } from '../ipc/rpc-parent';
import { LatencyHistogram } from '../stats/histogram';
import { median } from '../stats/median';
import { now } from '../wire';
import type { PausedServerApi } from './paused-bystander.server';

const FAST = 8;
const SIZE = 4096;
const RATE = 900;
/** More items than fit in the default 4 MiB bound: a paused socket's frames cannot all coalesce, so it ends in 4008. */
const ITEMS = 2000;
/** The run ends this long after the last fast delivery if some never came. */
const IDLE_MS = 5_000;
const CALL_MS = 30_000;
const PROFILE_DIR = join(__dirname, '../results/profiles');

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const value = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const seconds = Number(value('seconds') ?? 10);
const pausedCount = Number(value('paused') ?? 10);

/** A process spinning on one core (pinned to the last one with `taskset` when there is one); killed with the harness. */
function busyCore(): void {
  const spin = [process.execPath, '-e', 'for(;;){}'];
  const pinned = spawnSync('taskset', ['-V']).status === 0;
  track(pinned ? spawn('taskset', ['-c', String(cpus().length - 1), ...spin], { stdio: 'ignore' }) : spawn(spin[0], spin.slice(1), { stdio: 'ignore' }));
}

async function main(): Promise<void> {
  if (!flag('idle-machine')) busyCore();
  const profile = value('cpu-prof');
  const execArgv = profile ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`, `--cpu-prof-name=${profile}.cpuprofile`] : [];
  const server = await RpcChild.start<PausedServerApi>('paused-bystander server', 'tools/paused-bystander.server.ts', [], execArgv);
  const { port, bufferedBytes } = await server.call('start', flag('send-path') ? { writes: { fastPath: false } } : {}, CALL_MS);
  const url = `ws://127.0.0.1:${port}`;

  const latency = new LatencyHistogram();
  let lastAt = now();
  const onStamp = (stamp: number) => {
    lastAt = now();
    latency.record(lastAt - stamp);
  };
  const fast = await Promise.all(Array.from({ length: FAST }, () => openStreams(url, onStamp)));
  const paused = await Promise.all(Array.from({ length: pausedCount }, () => openStreams(url, () => undefined)));
  for (const socket of paused) (socket as unknown as { _socket: Socket })._socket.pause();

  const count = Math.round(RATE * seconds);
  await server.call('publish', { count, size: SIZE, rate: RATE, items: ITEMS }, seconds * 1000 + CALL_MS);
  while (latency.count < FAST * count && now() - lastAt < IDLE_MS) await new Promise((r) => setTimeout(r, 50));
  const stats = await server.call('finish', undefined, CALL_MS);

  // The paused sockets are the ones that held the most.
  const pausedPeaks = stats.heldPeaks.slice(0, pausedCount).map((bytes) => bytes / bufferedBytes);
  const result = {
    contention: !flag('idle-machine'),
    writePath: flag('send-path') ? 'send' : 'default',
    delivered: latency.count,
    expected: FAST * count,
    p50Ms: latency.percentile(0.5),
    p99Ms: latency.percentile(0.99),
    maxMs: latency.maxMs,
    pausedHeldMaxX: pausedPeaks.length > 0 ? Math.max(...pausedPeaks) : NaN,
    pausedHeldMedianX: median(pausedPeaks),
    slowConsumerCloses: stats.slowConsumerCloses,
    rssPeakMiB: stats.rssPeak / 2 ** 20,
    heapAndExternalPeakMiB: stats.heapAndExternalPeak / 2 ** 20,
    cpuUsPerDelivery: stats.cpuUs / latency.count,
    gcMs: stats.gcMs,
    gcMaxMs: stats.gcMaxMs,
    loopDelayP99Ms: stats.loopDelayP99Ms,
    loopDelayMaxMs: stats.loopDelayMaxMs,
  };
  console.log(flag('json') ? JSON.stringify(result) : describe(result));
  for (const socket of [...fast, ...paused]) socket.terminate();
  await server.stop();
}

function describe(r: Record<string, number | string | boolean>): string {
  const f = (v: number | string | boolean, digits = 1) => (typeof v === 'number' ? v.toFixed(digits) : String(v));
  return (
    `${r.writePath} write path, ${r.contention ? 'one core busy' : 'no busy core'}: fast clients p50 ${f(r.p50Ms)} / p99 ${f(r.p99Ms)} / ` +
    `max ${f(r.maxMs)} ms (${r.delivered}/${r.expected} delivered); a paused socket held at most ${f(r.pausedHeldMaxX, 2)} × limits.bufferedBytes ` +
    `(median ${f(r.pausedHeldMedianX, 2)} ×), ${r.slowConsumerCloses} closed with 4008; server RSS peak ${f(r.rssPeakMiB, 0)} MiB, ` +
    `heap+external peak ${f(r.heapAndExternalPeakMiB, 0)} MiB, ${f(r.cpuUsPerDelivery)} µs CPU per delivery, GC ${f(r.gcMs, 0)} ms ` +
    `(longest ${f(r.gcMaxMs)}), event-loop delay p99 ${f(r.loopDelayP99Ms)} / max ${f(r.loopDelayMaxMs)} ms`
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    killAll();
    process.exit(1);
  },
);
