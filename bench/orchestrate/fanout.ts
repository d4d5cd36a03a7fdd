import type { FanoutMeasure, FanoutResult, FanoutRow, MemoryPerConnection, Outcome, ServerName } from '../model';
import { median } from '../stats/median';
import type { BenchEnv } from './bench-env';
import { fileLimitProblem } from './file-limit';
import { failed, mergeReports, reasonOf } from './measure';
import { SERVERS } from './server-defs';
import { perConnection, ServerGroup } from './server-group';

/** A row gives up when no load process saw a delivery for this long. */
const IDLE_MS = 5_000;
/** Hard cap on one row, beyond the time its publishing should take. */
const ROW_SLACK_MS = 60_000;

interface Running {
  group: ServerGroup;
  memory: MemoryPerConnection;
}

/**
 * Runs every row of one client count. Every server of the block is started and gets its own `clients`
 * sockets (memory is read before and after they connect and join), then the rows run round after round,
 * each round every row once in plan order, so a row and its ws baseline are measured seconds apart.
 */
export async function runFanoutBlock(rows: FanoutRow[], env: BenchEnv, rounds: number): Promise<FanoutResult[]> {
  const clients = rows[0].clients;
  const running = new Map<ServerName, Running>();
  const down = new Map<ServerName, Outcome>();
  const samples = new Map<FanoutRow, FanoutMeasure[]>(rows.map((row) => [row, []]));
  const broken = new Map<FanoutRow, Outcome>();
  const servers = new Set(rows.map((row) => row.server));
  // Each load process holds its share of every server's sockets at once.
  const tooMany = fileLimitProblem(Math.ceil((clients * servers.size) / env.pool.size));
  if (tooMany) return rows.map((row) => ({ row, status: 'skipped', reason: tooMany }));
  try {
    for (const server of servers) {
      const started = await start(server, clients, env);
      if ('group' in started) running.set(server, started);
      else down.set(server, started);
    }
    for (let round = 1; round <= rounds; round++) {
      for (const row of rows) {
        const server = running.get(row.server);
        if (!server || broken.has(row)) continue;
        try {
          const measure = await runRow(row, server, env);
          samples.get(row)?.push(measure);
          env.log(`  [${round}/${rounds}] ${describe(row, measure)}`);
        } catch (error) {
          broken.set(row, failed(error));
          env.log(`  [${round}/${rounds}] ${row.label}: failed (${reasonOf(error)})`);
        }
      }
    }
  } finally {
    await env.pool.disconnect();
    await Promise.all([...running.values()].map(({ group }) => group.stop()));
  }
  return rows.map((row): FanoutResult => {
    const outcome = down.get(row.server) ?? broken.get(row);
    const measures = samples.get(row) ?? [];
    if (outcome) return { row, ...outcome };
    if (measures.length === 0) return { row, status: 'failed', reason: 'no round ran' };
    return { row, status: 'ok', measure: medianOf(measures), rounds: measures };
  });
}

/** Starts one server and connects its sockets; a server that cannot start is `skipped` (e.g. an adapter not built yet). */
async function start(server: ServerName, clients: number, env: BenchEnv): Promise<Running | Outcome> {
  const def = SERVERS[server];
  if (def.usesRedis && env.redisProblem) return { status: 'skipped', reason: env.redisProblem };
  let group: ServerGroup;
  try {
    group = await ServerGroup.start(`${server} ${clients}c`, def.config(env), def.instances, env);
  } catch (error) {
    return { status: 'skipped', reason: `not available: ${reasonOf(error)}` };
  }
  try {
    const before = await group.memory();
    const connectStart = Date.now();
    await env.pool.connect(server, def.client, group.urls, clients);
    const memory = perConnection(before, await group.memory(), clients);
    env.log(`  ${server}: ${clients} clients connected and joined in ${Date.now() - connectStart} ms`);
    return { group, memory };
  } catch (error) {
    await group.stop();
    return failed(error);
  }
}

async function runRow(row: FanoutRow, { group, memory }: Running, env: BenchEnv): Promise<FanoutMeasure> {
  const timeout = (row.rate ? (row.messages / (row.burst ?? 1) / row.rate) * 1000 : 0) + ROW_SLACK_MS;
  await env.pool.arm(row.server, row.messages);
  await group.mark();
  const waiting = env.pool.wait(IDLE_MS, timeout);
  const published = await group.writer.call('publish', { op: row.op, count: row.messages, size: row.size, rate: row.rate, burst: row.burst }, timeout);
  const seen = mergeReports(await waiting);
  const server = await group.usage();
  const wallMs = seen.lastAt - published.firstAt;
  const perDelivery = (us: number) => (seen.delivered > 0 ? us / seen.delivered : NaN);
  return {
    delivered: seen.delivered,
    expected: seen.expected,
    wallMs,
    publishMs: published.lastAt - published.firstAt,
    msgsPerSec: seen.delivered > 0 ? (seen.delivered / wallMs) * 1000 : 0,
    latencyMs: seen.latency,
    serverCpuUsPerDelivery: perDelivery(server.cpuUs),
    serverWritesPerDelivery: perDelivery(server.writes),
    clientCpuUsPerDelivery: perDelivery(seen.cpuUs),
    memory,
  };
}

function medianOf(rounds: FanoutMeasure[]): FanoutMeasure {
  const mid = (pick: (m: FanoutMeasure) => number) => median(rounds.map(pick));
  return {
    delivered: rounds.reduce((sum, m) => sum + m.delivered, 0),
    expected: rounds.reduce((sum, m) => sum + m.expected, 0),
    wallMs: mid((m) => m.wallMs),
    publishMs: mid((m) => m.publishMs),
    msgsPerSec: mid((m) => m.msgsPerSec),
    latencyMs: { p50: mid((m) => m.latencyMs.p50), p99: mid((m) => m.latencyMs.p99), max: mid((m) => m.latencyMs.max) },
    serverCpuUsPerDelivery: mid((m) => m.serverCpuUsPerDelivery),
    serverWritesPerDelivery: mid((m) => m.serverWritesPerDelivery ?? NaN),
    clientCpuUsPerDelivery: mid((m) => m.clientCpuUsPerDelivery),
    memory: rounds[0].memory,
  };
}

function describe(row: FanoutRow, m: FanoutMeasure): string {
  const lost = m.expected - m.delivered;
  return `${row.label}: ${lost === 0 ? 'all' : `${lost} LOST of`} ${m.expected} delivered, ${Math.round(m.msgsPerSec)} msgs/s, ${m.serverCpuUsPerDelivery.toFixed(1)} µs/del, ${(m.serverWritesPerDelivery ?? NaN).toFixed(3)} writes/del, p99 ${m.latencyMs.p99.toFixed(1)} ms`;
}
