/**
 * What the mutation ledger holds per client (docs/security.md, "Mutations"): heap per client in the in-process
 * ledger and Redis memory per client key, each client's last answer being a typical `{status:'ok', position,
 * writes:[one group]}`.
 *
 *   node --expose-gc -r @swc-node/register bench/tools/mutation-ledger-cost.ts [redis://127.0.0.1:6379]
 */
import { Redis } from 'ioredis';
import { MemoryMutationLedger } from '../../libs/streams/src/adapters/mutation-ledger/memory-mutation.ledger';
import { RedisMutationLedger } from '../../libs/streams/src/adapters/mutation-ledger/redis-mutation.ledger';
import type { MutationAnswer } from '../../libs/streams/src/adapters/mutation-ledger/mutation.ledger';

const CLIENTS = 100_000;
const limits = { ledgerSize: CLIENTS, ledgerTtlMs: 3_600_000, leaseMs: 30_000 };
const answer = (i: number): MutationAnswer => {
  const position = `f5f678a466209b8b4c7b8:${1000 + i}`;
  return { status: 'ok', position, writes: [{ streamName: 'todos', groupId: 'list-1', position }] };
};
const clientId = (i: number) => `2b0c4d3e-5f60-4a7b-8c9d-${String(i).padStart(12, '0')}`;

function heap(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

async function memory(): Promise<void> {
  const before = heap();
  const ledger = new MemoryMutationLedger(limits);
  for (let i = 0; i < CLIENTS; i++) {
    await ledger.begin(clientId(i), 1);
    await ledger.commit(clientId(i), 1, answer(i));
  }
  const after = heap();
  console.log(`memory ledger: ${Math.round((after - before) / CLIENTS)} B of heap per client (${CLIENTS} clients)`);
  // Still in use after the measurement, so the collector cannot take it before.
  await ledger.begin(clientId(0), 2);
}

async function redis(url: string): Promise<void> {
  const client = new Redis(url);
  const prefix = `bench:mutation-ledger:${process.pid}`;
  const ledger = new RedisMutationLedger(client, prefix, limits);
  const sample = 1000;
  let bytes = 0;
  try {
    for (let i = 0; i < sample; i++) {
      await ledger.begin(clientId(i), 1);
      await ledger.commit(clientId(i), 1, answer(i));
      const key = `${prefix}:mutations:{${Buffer.from(clientId(i)).toString('base64url')}}`;
      bytes += Number(await client.call('MEMORY', 'USAGE', key));
    }
    console.log(`Redis ledger: ${Math.round(bytes / sample)} B per client key (MEMORY USAGE, ${sample} clients)`);
  } finally {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await client.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
    client.disconnect();
  }
}

void (async () => {
  await memory();
  if (process.argv[2]) await redis(process.argv[2]);
})();
