import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Key, open, type RootDatabase } from 'lmdb';
import { FileMutationLedger } from './file-mutation.ledger';

/** The durable ledger over a real LMDB store in a temporary directory, reopened as a restart would. */
describe('FileMutationLedger', () => {
  let dir: string;
  let db: RootDatabase<string, Key>;
  let now = 1_000;
  const limits = { ledgerSize: 100, ledgerTtlMs: 10_000, leaseMs: 500 };
  const reopen = async () => {
    await db?.close();
    db = open<string, Key>({ path: dir, encoding: 'string' });
    return (more = {}) => new FileMutationLedger(db, { ...limits, ...more }, () => now);
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mutation-ledger-'));
    now = 1_000;
  });
  afterEach(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('what was committed before a restart is answered after it: the last answer, kept refusals, the next id', async () => {
    const before = (await reopen())();
    for (const [id, answer] of [
      [1, { status: 'ok' as const, result: 'one' }],
      [2, { status: 'rejected' as const, error: { code: 'forbidden' as const, message: 'no' } }],
      [3, { status: 'ok' as const, result: 'three' }],
    ] as const) {
      await expect(before.begin('c', id)).resolves.toEqual({ kind: 'apply' });
      await before.commit('c', id, answer);
    }
    await before.begin('c', 4); // claimed, never committed: nothing runs after a restart
    const after = (await reopen())();
    await expect(after.begin('c', 3)).resolves.toEqual({ kind: 'answered', answer: { status: 'ok', result: 'three', duplicate: true } });
    await expect(after.begin('c', 2)).resolves.toMatchObject({ kind: 'answered', answer: { status: 'rejected', error: { code: 'forbidden' }, duplicate: true } });
    await expect(after.begin('c', 1)).resolves.toEqual({ kind: 'answered', answer: { status: 'ok', duplicate: true } });
    await expect(after.begin('c', 5)).resolves.toEqual({ kind: 'gap', expected: 4 });
    await expect(after.begin('c', 4)).resolves.toEqual({ kind: 'apply' });
  });

  it('a restart drops the clients whose ttl passed from the store, and keeps at most ledgerSize, the most recently seen', async () => {
    const before = (await reopen())();
    for (const client of ['old', 'a', 'b', 'c']) {
      await before.begin(client, 1);
      await before.commit(client, 1, { status: 'ok' });
      now += client === 'old' ? 6_000 : 1;
    }
    now += 4_500; // 'old' expired, the others not
    const after = (await reopen())({ ledgerSize: 2 });
    await new Promise((r) => setTimeout(r, 50)); // removals are not awaited
    expect(Array.from(db.getKeys({ start: ['ml'], end: ['ml\u0001'] }), (key) => (key as string[])[1]).sort()).toEqual(['b', 'c']);
    await expect(after.begin('b', 1)).resolves.toMatchObject({ kind: 'answered' });
    await expect(after.begin('c', 1)).resolves.toMatchObject({ kind: 'answered' });
    await expect(after.begin('a', 1)).resolves.toEqual({ kind: 'apply' });
    await expect(after.begin('old', 1)).resolves.toEqual({ kind: 'apply' });
  });
});
