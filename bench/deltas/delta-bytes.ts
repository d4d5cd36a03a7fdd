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
      if (!text.startsWith('{"type":"stream"')) return;
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

/** `node -r @swc-node/register bench/deltas/delta-bytes.ts` runs the row alone. */
if (require.main === module) {
  runDeltaBytes(console.log).then(
    (rows) => {
      console.log(`\n${deltaBytesTable(rows)}`);
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
