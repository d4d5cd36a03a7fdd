/**
 * How far frame timestamps run ahead of the wall clock under the benchmark's write load (docs/reference/protocol.md,
 * "Timestamps"): `set` at full speed through each adapter, over 100 items spread across 1 or 50 groups,
 * 1 or 32 writes in flight, for 2 s each; prints writes/s and max(timestamp - Date.now()) as writes resolve.
 *
 *   node -r @swc-node/register bench/tools/clock-lead.ts [memory,file,redis]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { FileStreamAdapter } from '../../libs/streams/src/adapters/file/file.adapter';
import { MemoryStreamAdapter } from '../../libs/streams/src/adapters/memory/memory.adapter';
import { RedisStreamAdapter } from '../../libs/streams/src/adapters/redis/redis.adapter';
import type { StreamAdapter } from '../../libs/streams/src/adapters/stream-adapter.interface';
import { runWrites } from '../servers/write-load';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

async function open(kind: string): Promise<{ adapter: StreamAdapter; cleanup: () => Promise<void> }> {
  if (kind === 'memory') return { adapter: new MemoryStreamAdapter(), cleanup: async () => undefined };
  if (kind === 'file') {
    const dir = mkdtempSync(join(tmpdir(), 'clock-lead-'));
    return { adapter: await FileStreamAdapter.open({ type: 'file', path: dir }), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const keyPrefix = `bench-clock-${process.pid}`;
  const cleanup = async () => {
    const redis = new Redis(REDIS_URL);
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}:*`, 'COUNT', 500);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
    redis.disconnect();
  };
  return { adapter: await RedisStreamAdapter.connect({ type: 'redis', url: REDIS_URL, keyPrefix }), cleanup };
}

async function main(): Promise<void> {
  const kinds = (process.argv[2] ?? 'memory,file,redis').split(',');
  console.log('| adapter | groups | in flight | writes/s | max lead ms |\n| --- | ---: | ---: | ---: | ---: |');
  for (const kind of kinds) {
    for (const groups of [1, 50]) {
      for (const concurrency of [1, 32]) {
        const { adapter, cleanup } = await open(kind);
        let lead = -Infinity;
        let n = 0;
        const result = await runWrites({ op: 'set', size: 256, concurrency, maxWrites: 200_000, maxMs: 2000 }, async (_group, item, payload) => {
          const { envelope } = await adapter.set('bench', `w${n++ % groups}`, item, payload);
          lead = Math.max(lead, envelope!.frame.timestamp - Date.now());
        });
        console.log(`| ${kind} | ${groups} | ${concurrency} | ${Math.round((result.writes * 1000) / result.ms)} | ${lead} |`);
        await adapter.close();
        await cleanup();
      }
    }
  }
}

void main();
