import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { RpcChild } from '../ipc/rpc-parent';
import { LatencyHistogram } from '../stats/histogram';
import type { MutationServerApi } from './mutation.server';

/**
 * Mutations row (issue 28): one server process (memory or Redis adapter), 1,000 WebSocket clients in this
 * process, each with its own client id; the mutation is one atomic `update` of the client's own item.
 * - at a fixed rate (1,000 mutations/s, each client once a second): mutate → answer latency;
 * - saturated (every client keeps one mutation in flight): answers per second, and per core of server CPU
 *   (the server's own CPU time over the wall time; the load clients run on the same 2-core machine).
 */
export interface MutationBenchRow {
  adapter: 'memory' | 'redis';
  clients: number;
  fixedRate: number;
  p50Ms: number;
  p99Ms: number;
  saturatedPerSecond: number;
  serverCores: number;
  perServerCore: number;
  saturatedP50Ms: number;
  saturatedP99Ms: number;
}

const CLIENTS = 1000;
const FIXED_RATE = 1000;
const CALL_MS = 30_000;

interface BenchSocket {
  socket: WebSocket;
  clientId: string;
  next: number;
  sentAt: number;
}

async function connect(port: number, run: string, onAnswer: (client: BenchSocket) => void): Promise<BenchSocket[]> {
  const clients: BenchSocket[] = [];
  for (let i = 0; i < CLIENTS; i += 100) {
    const batch = Array.from({ length: Math.min(100, CLIENTS - i) }, (_, j) => {
      const client: BenchSocket = { socket: new WebSocket(`ws://127.0.0.1:${port}/`), clientId: `${run}-${i + j}`, next: 1, sentAt: 0 };
      client.socket.on('message', (data) => {
        if (String(data).startsWith('{"type":"mutation"')) onAnswer(client);
      });
      return new Promise<BenchSocket>((resolve, reject) => {
        client.socket.once('open', () => resolve(client));
        client.socket.once('error', reject);
      });
    });
    clients.push(...(await Promise.all(batch)));
  }
  return clients;
}

function send(client: BenchSocket): void {
  client.sentAt = performance.now();
  client.socket.send(JSON.stringify({ type: 'mutate', clientId: client.clientId, mutationId: client.next++, name: 'bench.inc', args: null }));
}

async function measure(adapter: 'memory' | 'redis', seconds: number, log: (line: string) => void): Promise<MutationBenchRow> {
  const server = await RpcChild.start<MutationServerApi>(`mutation server (${adapter})`, 'mutations/mutation.server.ts', []);
  const prefix = `bench-mutations-${process.pid}-${Date.now()}`;
  const options = adapter === 'redis' ? { adapter: { type: 'redis' as const, url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', keyPrefix: prefix } } : {};
  try {
    const { port } = await server.call('start', { ...options, mutations: { perSecond: 1_000_000 } }, CALL_MS);
    let phase: 'fixed' | 'saturated' = 'fixed';
    const fixed = new LatencyHistogram();
    const saturated = new LatencyHistogram();
    let inFlight = new Set<BenchSocket>();
    const clients = await connect(port, prefix, (client) => {
      inFlight.delete(client);
      (phase === 'fixed' ? fixed : saturated).record(performance.now() - client.sentAt);
      if (phase === 'saturated') {
        inFlight.add(client);
        send(client);
      }
    });

    // Fixed rate: client k sends at k / rate within each second.
    const start = performance.now();
    for (let n = 0; n < FIXED_RATE * seconds; n++) {
      const wait = start + (n * 1000) / FIXED_RATE - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const client = clients[n % CLIENTS];
      if (inFlight.has(client)) continue; // still waiting: skipped, not queued behind itself
      inFlight.add(client);
      send(client);
    }
    while (inFlight.size > 0) await new Promise((r) => setTimeout(r, 10));

    // Saturated: every client keeps one mutation in flight.
    phase = 'saturated';
    inFlight = new Set(clients);
    await server.call('cpu', undefined, CALL_MS);
    const begin = performance.now();
    for (const client of clients) send(client);
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const counted = saturated.count;
    const wall = (performance.now() - begin) / 1000;
    const cpu = (await server.call('cpu', undefined, CALL_MS)) / 1e6;
    phase = 'fixed';
    for (const client of clients) client.socket.terminate();
    const perSecond = counted / wall;
    const row: MutationBenchRow = {
      adapter,
      clients: CLIENTS,
      fixedRate: FIXED_RATE,
      p50Ms: fixed.percentile(0.5),
      p99Ms: fixed.percentile(0.99),
      saturatedPerSecond: perSecond,
      serverCores: cpu / wall,
      perServerCore: perSecond / (cpu / wall),
      saturatedP50Ms: saturated.percentile(0.5),
      saturatedP99Ms: saturated.percentile(0.99),
    };
    log(
      `mutations (${adapter}, ${CLIENTS} clients): @ ${FIXED_RATE}/s p50 ${row.p50Ms.toFixed(2)} ms, p99 ${row.p99Ms.toFixed(2)} ms; ` +
        `saturated ${Math.round(perSecond)}/s on ${row.serverCores.toFixed(2)} server cores = ${Math.round(row.perServerCore)}/s per core`,
    );
    return row;
  } finally {
    await server.stop();
    if (adapter === 'redis') await deleteKeys(prefix);
  }
}

async function deleteKeys(prefix: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Memory, then Redis when one answers at REDIS_URL (else that row is skipped, and said so). */
export async function runMutationBench(log: (line: string) => void, seconds = 10): Promise<MutationBenchRow[]> {
  const rows = [await measure('memory', seconds, log)];
  if (await redisAnswers()) rows.push(await measure('redis', seconds, log));
  else log('mutations (redis): skipped, no Redis answers at REDIS_URL');
  return rows;
}

async function redisAnswers(): Promise<boolean> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/** The docs/benchmarks.md table. */
export function mutationBenchTable(rows: MutationBenchRow[]): string {
  const lines = [
    '| adapter | clients | mutate → answer @ 1,000/s p50 / p99 | saturated mutations/s | server cores used | per server core | saturated p50 / p99 |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.adapter} | ${r.clients} | ${r.p50Ms.toFixed(2)} / ${r.p99Ms.toFixed(2)} ms | ${Math.round(r.saturatedPerSecond)} | ${r.serverCores.toFixed(2)} | ${Math.round(r.perServerCore)} | ${r.saturatedP50Ms.toFixed(1)} / ${r.saturatedP99Ms.toFixed(1)} ms |`,
    );
  }
  return lines.join('\n');
}

if (require.main === module) {
  const seconds = Number(process.argv.find((a) => a.startsWith('--seconds='))?.slice(10) ?? 10);
  runMutationBench((line) => console.log(line), seconds).then(
    (rows) => {
      console.log(`\n${mutationBenchTable(rows)}`);
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
