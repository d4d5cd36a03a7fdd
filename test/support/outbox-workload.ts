import type { StreamsOutbox } from 'nest-realtime-streams/postgres';
import type { Pool, PoolClient } from 'pg';
import type { Frame } from './ws-client';

/** The table the workload's transactions take their per-group turn from (create it in the test database). */
export const COUNTERS_TABLE = 'CREATE TABLE counters (grp text PRIMARY KEY, n int NOT NULL)';

/** A small seeded PRNG (mulberry32), so a failing run can be replayed from the seed it prints. */
export function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function inTransaction(pool: Pool, run: (client: PoolClient) => Promise<void>, commit = true): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await run(client);
    await client.query(commit ? 'COMMIT' : 'ROLLBACK');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

export interface WorkloadResult {
  seed: number;
  committed: number;
  rolledBack: number;
  /** Per group: the marks (`<turn>.<k>`) of its committed writes, in commit order. */
  expected: Map<string, string[]>;
}

/**
 * `count` transactions from `workers` concurrent connections, each writing 1-2 outbox writes (set, update
 * or send, carrying a `mark`) to each of 1-3 groups of stream `stream`, a third of them rolled back. Each
 * group's turn comes from a counter row updated in the same transaction, whose row lock orders a group's
 * transactions by commit: the order subscribers must see, known without asking the outbox.
 */
export async function randomTransactions(pool: Pool, outbox: StreamsOutbox, { stream, groups, count, workers = 8 }: { stream: string; groups: string[]; count: number; workers?: number }): Promise<WorkloadResult> {
  await pool.query('INSERT INTO counters SELECT g, 0 FROM unnest($1::text[]) AS g ON CONFLICT DO NOTHING', [groups]);
  const seed = Date.now() % 100_000;
  const rand = random(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(rand() * items.length)];
  const result: WorkloadResult = { seed, committed: 0, rolledBack: 0, expected: new Map(groups.map((g) => [g, []])) };
  const turns = new Map<string, Array<[number, number, string]>>(groups.map((g) => [g, []]));
  let started = 0;
  const worker = async () => {
    while (started < count) {
      started++;
      const touched = [...new Set([pick(groups), pick(groups), pick(groups)].slice(0, 1 + Math.floor(rand() * 3)))].sort();
      const commit = rand() >= 1 / 3;
      const writes: Array<[string, number, number, string]> = [];
      await inTransaction(
        pool,
        async (client) => {
          for (const group of touched) {
            const [{ n }] = (await client.query<{ n: number }>('UPDATE counters SET n = n + 1 WHERE grp = $1 RETURNING n', [group])).rows;
            for (let k = 0; k < 1 + Math.floor(rand() * 2); k++) {
              const mark = `${n}.${k}`;
              const target = { stream_name: stream, group_id: group };
              const kind = pick(['set', 'update', 'send'] as const);
              if (kind === 'set') await outbox.with(client).set({ ...target, item_id: `i${Math.floor(rand() * 4)}`, data: { mark } });
              else if (kind === 'update') await outbox.with(client).update({ ...target, item_id: `i${Math.floor(rand() * 4)}`, ops: [{ type: 'set', path: 'mark', value: mark }] });
              else await outbox.with(client).send({ ...target, type: 'note', data: { mark } });
              writes.push([group, n, k, mark]);
            }
          }
        },
        commit,
      );
      if (!commit) {
        result.rolledBack++;
        continue;
      }
      result.committed++;
      for (const [group, n, k, mark] of writes) turns.get(group)!.push([n, k, mark]);
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  for (const [group, list] of turns) result.expected.set(group, list.sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([, , mark]) => mark));
  return result;
}

/** The marks a subscriber's frames carry, in arrival order (sync frames left out). */
export function marksOf(frames: Frame[]): string[] {
  return frames
    .filter((f) => f.type === 'stream' && f.event && f.event.type !== 'sync')
    .map((f) => ((f.event!.type === 'event' ? f.event!.event!.data : f.event!.data) as { mark: string }).mark);
}
