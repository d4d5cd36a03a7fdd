/**
 * What idempotency records hold (docs/reference/security.md, "Idempotency records"): heap per record in the memory
 * adapter and Redis memory per record. Writes per second with and without a key: `npm run bench` (the
 * `set-keyed` rows, docs/reference/benchmarks.md).
 *
 *   node --expose-gc -r @swc-node/register bench/tools/idempotency-cost.ts [redis://127.0.0.1:6379]
 */
import { Redis } from 'ioredis';
import { MemoryStreamAdapter } from '../../libs/streams/src/adapters/memory/memory.adapter';
import { RedisStreamAdapter } from '../../libs/streams/src/adapters/redis/redis.adapter';
import { RedisKeyspace } from '../../libs/streams/src/adapters/redis/redis.keys';
import type { StreamAdapter } from '../../libs/streams/src/adapters/stream-adapter.interface';
import { callFingerprint } from '../../libs/streams/src/service/idempotency.fingerprint';

const RECORDS = 100_000;
const GROUPS = 10;
const CONCURRENCY = 50;
const value = { title: 'card', n: 1 };

function heap(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** `count` sets of one small value over GROUPS groups and 100 items each, keyed (`job-<n>`) or not. */
async function writes(adapter: StreamAdapter, count: number, keyed: boolean, group = (i: number) => `g${i % GROUPS}`): Promise<void> {
  for (let i = 0; i < count; i += CONCURRENCY) {
    await Promise.all(
      Array.from({ length: Math.min(CONCURRENCY, count - i) }, (_, j) => {
        const n = i + j;
        const idempotency = keyed ? { key: `job-${n}`, fingerprint: callFingerprint('set', `i${n % 100}`, value, undefined) } : undefined;
        return adapter.set('s', group(n), `i${n % 100}`, value, { idempotency });
      }),
    );
  }
}

async function main(): Promise<void> {
  const limits = { ttlMs: 300_000, maxKeysPerGroup: RECORDS, maxKeys: RECORDS };
  for (const keyed of [false, true]) {
    const adapter = new MemoryStreamAdapter({ size: 0, maxAgeMs: 300_000 }, limits);
    const before = heap();
    await writes(adapter, RECORDS, keyed);
    console.log(`memory: ${RECORDS} ${keyed ? 'keyed' : 'plain'} sets over ${GROUPS} groups: ${Math.round((heap() - before) / RECORDS)} B per write held`);
    await adapter.close();
  }
  const url = process.argv[2];
  if (!url) return;
  const prefix = `idempotency-cost-${process.pid}`;
  const raw = new Redis(url);
  const adapter = await RedisStreamAdapter.connect({ type: 'redis', url, keyPrefix: prefix }, undefined, { ...limits, maxKeysPerGroup: 10_000 });
  await writes(adapter, 10_000, true, () => 'one');
  const g = new RedisKeyspace(prefix).group('s', 'one');
  const bytes = Number(await raw.memory('USAGE', g.idempotency)) + Number(await raw.memory('USAGE', g.idempotencyExpiry));
  console.log(`redis: 10000 records in one group: ${Math.round(bytes / 10_000)} B per record (HASH + ZSET, MEMORY USAGE)`);
  await adapter.close();
  const keys = await raw.keys(`${prefix}:*`);
  if (keys.length > 0) await raw.del(...keys);
  raw.disconnect();
}

void main();
