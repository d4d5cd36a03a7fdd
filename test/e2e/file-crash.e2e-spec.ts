import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStreamAdapter } from '../../libs/streams/src/adapters/file/file.adapter';
import { CRASH_STREAM, type CrashValue, crashItems, stateAfter } from '../support/file-crash-writer';

/*
 * Durability under SIGKILL (issue 5). Each round starts a writer process on the same store, kills it with
 * SIGKILL after a random number of acknowledged writes, reopens the store here and checks, for every item
 * ever written:
 *   - an item of this round whose last acknowledged write is k holds exactly the value after write k, or
 *     the value after write k+1 (the one write of that item that may have committed without its
 *     acknowledgement reaching us: each item's writes are sequential, so nothing later can have started);
 *   - an item of an earlier round still holds what the check after its own round found;
 *   - every value is whole (it equals one of the plan's states to the byte, so no torn or mixed record);
 *   - list/listGroups/listAll agree with the items: each group lists exactly its items' values and the
 *     stream lists exactly the groups holding at least one.
 * Rounds also check that the running writer holds the store: opening it meanwhile fails, naming the pid.
 */

const ROUNDS = 5;
const WRITER = join(__dirname, '..', 'support', 'file-crash-writer.ts');

interface Writer {
  child: ChildProcessWithoutNullStreams;
  /** Last acknowledged write number per item. */
  acked: Map<string, number>;
  /** Resolves once `count` acknowledgements have been printed; rejects if the writer dies on its own. */
  acks(count: number): Promise<void>;
}

function startWriter(dir: string, round: number): Promise<Writer> {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', WRITER, dir, String(round)], { cwd: join(__dirname, '..', '..') });
  const acked = new Map<string, number>();
  let total = 0;
  let buffered = '';
  let stderr = '';
  let waiter: { count: number; resolve: () => void; reject: (error: Error) => void } | null = null;
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') return;
      const error = new Error(`writer exited on its own (${code ?? signal}): ${stderr}`);
      reject(error);
      waiter?.reject(error);
    });
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      // A line cut by the kill is simply not counted: that only makes the check weaker, never wrong.
      buffered = lines.pop()!;
      for (const line of lines) {
        if (line === 'ready') {
          resolve({ child, acked, acks: (count) => new Promise((done, fail) => (waiter = { count, resolve: done, reject: fail })) });
          continue;
        }
        const [item, k] = line.split('\t');
        acked.set(item, Number(k));
        total++;
      }
      if (waiter && total >= waiter.count) waiter.resolve();
    });
  });
}

function kill(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe('file adapter: acknowledged writes survive SIGKILL', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'file-crash-'));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it(`keeps every acknowledged write and no partial item across ${ROUNDS} kills`, async () => {
    /** What each checked item held after its round, by item id, with its group. */
    const settled = new Map<string, { group: string; value: CrashValue | null }>();
    for (let round = 1; round <= ROUNDS; round++) {
      const writer = await startWriter(dir, round);
      try {
        await expect(FileStreamAdapter.open({ type: 'file', path: dir })).rejects.toThrow(`${dir} is already open in process ${writer.child.pid}`);
        await writer.acks(30 + Math.floor(Math.random() * 400));
      } finally {
        await kill(writer.child);
      }

      const adapter = await FileStreamAdapter.open({ type: 'file', path: dir });
      try {
        for (const [item, before] of settled) {
          expect({ item, value: await adapter.get(CRASH_STREAM, before.group, item) }).toEqual({ item, value: before.value });
        }
        for (const { group, item } of crashItems(round)) {
          const k = writer.acked.get(item) ?? 0;
          const value = (await adapter.get(CRASH_STREAM, group, item)) as CrashValue | null;
          expect({ item, k, ok: [stateAfter(k), stateAfter(k + 1)].some((s) => JSON.stringify(s) === JSON.stringify(value)) }).toEqual({ item, k, ok: true });
          settled.set(item, { group, value });
        }

        const groups = new Map<string, CrashValue[]>();
        for (const { group, value } of settled.values()) {
          if (value) groups.set(group, [...(groups.get(group) ?? []), value]);
        }
        const sorted = (values: unknown[]) => values.map((v) => JSON.stringify(v)).sort();
        for (const group of new Set([...settled.values()].map((s) => s.group))) {
          expect(sorted(await adapter.list(CRASH_STREAM, group))).toEqual(sorted(groups.get(group) ?? []));
        }
        const expectedGroups = [...groups.keys()].sort();
        expect(await adapter.listGroups(CRASH_STREAM)).toEqual(expectedGroups);
        expect(await adapter.listAll()).toEqual(expectedGroups.length ? [{ id: CRASH_STREAM, groups: expectedGroups }] : []);
      } finally {
        await adapter.close();
      }
    }
  });
});
