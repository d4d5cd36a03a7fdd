import { fork } from 'node:child_process';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import { StreamsListener, StreamsModule, type StreamsModuleOptions, StreamsService, type UpdateOp } from 'nest-realtime-streams';
import WebSocket from 'ws';
import { redisAvailable, REDIS_URL, uniquePrefix, deletePrefix } from '../../test/support/redis';

/**
 * Deltas row (issue 29): bytes on the wire per subscriber, full values vs deltas, in the same run. One process
 * holds the app and two WebSocket clients on loopback joined to the same group, one plain (what every iii/Motia
 * client gets) and one with `"deltas": true`; every stream frame each receives after its sync is counted with
 * its WebSocket header (2, 4 or 10 bytes: unmasked server frames). Memory adapter, and Redis when reachable
 * (its positions, hence `base` and `version`, are longer).
 */
export interface DeltaBytesRow {
  adapter: string;
  scenario: string;
  updates: number;
  fullBytes: number;
  deltaBytes: number;
  /** deltaBytes / fullBytes. */
  ratio: number;
  /** Append stream only: mean delta bytes per token over the first and the last quarter of the stream. */
  perTokenFirstQuarter?: number;
  perTokenLastQuarter?: number;
}

const UPDATES = 200;
const TOKENS = 2000;
/** CPU rows: updates of one field of the 4 KB card per round, rounds per mode (alternating, medians). */
const CPU_UPDATES = 100;
const CPU_ROUNDS = 3;

/** Server CPU per delivery, full values vs deltas, same clients count, same process (memory adapter). */
export interface DeltaCpuRow {
  clients: number;
  updates: number;
  fullMicrosPerDelivery: number;
  deltaMicrosPerDelivery: number;
  /** deltas / full. */
  ratio: number;
}

/** A ~4 KB dashboard card: 40 fields of ~90 characters, plus a counter. */
function card(counter: number): Record<string, unknown> {
  const fields = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`metric${i}`, `label ${i}: ${'x'.repeat(80)}`]));
  return { ...fields, counter };
}

/** A ~150 B item. */
function small(counter: number): Record<string, unknown> {
  return { title: 'Build #1234 on main', status: 'running', owner: 'ci-bot', progress: counter, url: 'https://ci.example.com/b/1234' };
}

function wireSize(payload: number): number {
  return payload + (payload < 126 ? 2 : payload < 65_536 ? 4 : 10);
}

class Counter {
  bytes: number[] = [];
  private synced = false;
  constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      const text = data.toString();
      if (!text.startsWith('{"type":"stream"') && !text.startsWith('{"type":"delta"')) return;
      if (!this.synced) {
        this.synced = true;
        return;
      }
      this.bytes.push(wireSize(data.length));
    });
  }
  get total(): number {
    return this.bytes.reduce((a, b) => a + b, 0);
  }
  get ready(): boolean {
    return this.synced;
  }
}

async function until(check: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 30_000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`delta bytes: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function scenario(
  service: StreamsService,
  url: string,
  adapter: string,
  name: string,
  group: string,
  first: unknown,
  writes: number,
  write: (i: number) => Promise<unknown>,
): Promise<{ row: DeltaBytesRow; delta: Counter }> {
  await service.set({ stream_name: 'bench', group_id: group, item_id: 'item', data: first });
  const plain = new Counter(new WebSocket(url));
  const delta = new Counter(new WebSocket(url));
  await Promise.all([plain, delta].map((c) => new Promise((resolve) => c.socket.once('open', resolve))));
  plain.socket.send(JSON.stringify({ type: 'join', data: { subscriptionId: 's', streamName: 'bench', groupId: group } }));
  delta.socket.send(JSON.stringify({ type: 'join', data: { subscriptionId: 's', streamName: 'bench', groupId: group, deltas: true } }));
  await until(() => plain.ready && delta.ready, 'the syncs');
  for (let i = 1; i <= writes; i++) await write(i);
  await until(() => plain.bytes.length === writes && delta.bytes.length === writes, 'every frame');
  plain.socket.close();
  delta.socket.close();
  const row = { adapter, scenario: name, updates: writes, fullBytes: plain.total, deltaBytes: delta.total, ratio: delta.total / plain.total };
  return { row, delta };
}

async function measure(adapter: string, options: StreamsModuleOptions): Promise<DeltaBytesRow[]> {
  const moduleRef = await Test.createTestingModule({ imports: [StreamsModule.forRoot({ port: 0, host: '127.0.0.1', ...options })] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  const service = app.get(StreamsService);
  const url = `ws://127.0.0.1:${app.get(StreamsListener).address().port}/`;
  const at = (group: string) => ({ stream_name: 'bench', group_id: group, item_id: 'item' });
  const rows: DeltaBytesRow[] = [];
  try {
    rows.push((await scenario(service, url, adapter, '4 KB item, one field, set (RFC 6902 patch)', 'set4k', card(0), UPDATES, (i) => service.set({ ...at('set4k'), data: card(i) }))).row);
    const increment: UpdateOp[] = [{ type: 'increment', path: 'counter', by: 1 }];
    rows.push((await scenario(service, url, adapter, '4 KB item, one field, update (ops)', 'upd4k', card(0), UPDATES, () => service.update({ ...at('upd4k'), ops: increment }))).row);
    const progress: UpdateOp[] = [{ type: 'increment', path: 'progress', by: 1 }];
    rows.push((await scenario(service, url, adapter, '150 B item, one field, update (ops)', 'upd150', small(0), UPDATES, () => service.update({ ...at('upd150'), ops: progress }))).row);
    const tokens = Array.from({ length: TOKENS }, (_, i) => ['the ', 'cat ', 'sat ', 'on, ', 'mat.'][i % 5]);
    const { row, delta } = await scenario(service, url, adapter, `${TOKENS}-token append stream (~4 chars each)`, 'answer', { text: '' }, TOKENS, (i) =>
      service.update({ ...at('answer'), ops: [{ type: 'append', path: 'text', value: tokens[i - 1] }] }),
    );
    const quarter = TOKENS / 4;
    const mean = (list: number[]) => list.reduce((a, b) => a + b, 0) / list.length;
    rows.push({ ...row, perTokenFirstQuarter: mean(delta.bytes.slice(0, quarter)), perTokenLastQuarter: mean(delta.bytes.slice(-quarter)) });
  } finally {
    await app.close();
  }
  return rows;
}

type ChildReply = { synced: number } | { frames: number };

/** One client process: opens its sockets, then answers reports. */
function clientProcess(url: string, count: number, deltas: boolean): Promise<{ frames(): Promise<number>; close(): void }> {
  const child = fork(join(__dirname, 'delta-load.child.ts'), { execArgv: ['-r', '@swc-node/register'] });
  const next = () => new Promise<ChildReply>((resolve) => child.once('message', (m) => resolve(m as ChildReply)));
  const ready = next();
  child.send({ url, count, deltas });
  return ready.then(() => ({
    frames: async () => {
      const reply = next();
      child.send({ report: true });
      return ((await reply) as { frames: number }).frames;
    },
    close: () => child.send({ close: true }),
  }));
}

/**
 * Server CPU per delivery (process CPU of this process, which holds only the app and the writer; the clients
 * are a child process) for `clients` sockets, rounds alternating full values and deltas; medians.
 */
async function measureCpu(clients: number, log: (line: string) => void): Promise<DeltaCpuRow> {
  const moduleRef = await Test.createTestingModule({ imports: [StreamsModule.forRoot({ port: 0, host: '127.0.0.1', limits: { connections: clients * 2 } })] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  const service = app.get(StreamsService);
  const url = `ws://127.0.0.1:${app.get(StreamsListener).address().port}/`;
  const ref = { stream_name: 'bench', group_id: 'cpu', item_id: 'card' };
  await service.set({ ...ref, data: card(0) });
  const samples: Record<'full' | 'deltas', number[]> = { full: [], deltas: [] };
  try {
    for (let round = 0; round < CPU_ROUNDS; round++) {
      for (const mode of ['full', 'deltas'] as const) {
        const load = await clientProcess(url, clients, mode === 'deltas');
        const before = process.cpuUsage();
        for (let i = 0; i < CPU_UPDATES; i++) await service.update({ ...ref, ops: [{ type: 'set', path: 'counter', value: round * 1000 + i }] });
        const expected = CPU_UPDATES * clients;
        const end = Date.now() + 60_000;
        while ((await load.frames()) < expected) {
          if (Date.now() > end) throw new Error(`delta cpu: ${clients} clients never received every frame`);
          await new Promise((r) => setTimeout(r, 20));
        }
        const used = process.cpuUsage(before);
        samples[mode].push((used.user + used.system) / expected);
        load.close();
        // Let the server see the sockets go before the next round connects its own.
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  } finally {
    await app.close();
  }
  const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
  const row = { clients, updates: CPU_UPDATES, fullMicrosPerDelivery: median(samples.full), deltaMicrosPerDelivery: median(samples.deltas), ratio: median(samples.deltas) / median(samples.full) };
  log(`delta cpu: ${clients} clients: full ${row.fullMicrosPerDelivery.toFixed(2)} µs, deltas ${row.deltaMicrosPerDelivery.toFixed(2)} µs per delivery`);
  return row;
}

export async function runDeltaCpu(log: (line: string) => void, counts = [1000, 5000]): Promise<DeltaCpuRow[]> {
  const rows: DeltaCpuRow[] = [];
  for (const clients of counts) rows.push(await measureCpu(clients, log));
  return rows;
}

export function deltaCpuTable(rows: DeltaCpuRow[]): string {
  const lines = ['| clients | updates per round | full values, CPU µs per delivery | deltas, CPU µs per delivery | deltas / full |', '| ---: | ---: | ---: | ---: | ---: |'];
  for (const r of rows) lines.push(`| ${r.clients} | ${r.updates} | ${r.fullMicrosPerDelivery.toFixed(2)} | ${r.deltaMicrosPerDelivery.toFixed(2)} | ${(r.ratio * 100).toFixed(1)} % |`);
  return lines.join('\n');
}

export async function runDeltaBytes(log: (line: string) => void): Promise<DeltaBytesRow[]> {
  log('delta bytes: memory');
  const rows = await measure('memory', {});
  if (redisAvailable()) {
    log('delta bytes: redis');
    const keyPrefix = uniquePrefix('bench-deltas');
    try {
      rows.push(...(await measure('redis', { adapter: { type: 'redis', url: REDIS_URL, keyPrefix } })));
    } finally {
      await deletePrefix(keyPrefix);
    }
  } else log('delta bytes: Redis not reachable, memory only');
  return rows;
}

export function deltaBytesTable(rows: DeltaBytesRow[]): string {
  const kb = (n: number) => (n >= 10_240 ? `${(n / 1024).toFixed(0)} KiB` : `${n} B`);
  const lines = ['| adapter | scenario | updates | full values | deltas | deltas / full | per update: full → delta |', '| --- | --- | ---: | ---: | ---: | ---: | ---: |'];
  for (const r of rows) {
    const perUpdate = `${(r.fullBytes / r.updates).toFixed(0)} B → ${(r.deltaBytes / r.updates).toFixed(0)} B`;
    const tokens = r.perTokenFirstQuarter === undefined ? '' : ` (first quarter ${r.perTokenFirstQuarter.toFixed(0)} B, last ${r.perTokenLastQuarter!.toFixed(0)} B)`;
    lines.push(`| ${r.adapter} | ${r.scenario} | ${r.updates} | ${kb(r.fullBytes)} | ${kb(r.deltaBytes)} | ${(r.ratio * 100).toFixed(1)} % | ${perUpdate}${tokens} |`);
  }
  return lines.join('\n');
}

/** `node -r @swc-node/register bench/deltas/delta-bytes.ts` runs the rows alone. */
if (require.main === module) {
  (async () => {
    const bytes = await runDeltaBytes(console.log);
    const cpu = await runDeltaCpu(console.log);
    return `${deltaBytesTable(bytes)}\n\n${deltaCpuTable(cpu)}`;
  })().then(
    (tables) => {
      console.log(`\n${tables}`);
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
