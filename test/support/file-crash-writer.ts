/*
 * The child process of test/e2e/file-crash.e2e-spec.ts, and the write plan both sides share.
 *   node -r @swc-node/register test/support/file-crash-writer.ts <store dir> <round>
 * Opens the file store, prints `ready`, then writes until it is killed: one sequential loop per item, all
 * loops concurrent (so commits batch several jobs), printing `<item>\t<k>` once write k of that item has
 * been acknowledged. stdout is a pipe, which Node writes synchronously on Linux, so when write k+1 starts,
 * the line for k is already out.
 */
import type { UpdateOp } from 'nest-realtime-streams';
import type { StreamAdapter } from '../../libs/streams/src/adapters/stream-adapter.interface';
import { FileStreamAdapter } from '../../libs/streams/src/adapters/file/file.adapter';

export const CRASH_STREAM = 'crash';
const GROUPS = 4;
const ITEMS_PER_ROUND = 12;

export interface CrashValue {
  v: number;
  n: number;
  pad: string;
}

export type CrashOp = { kind: 'set'; data: CrashValue } | { kind: 'update'; ops: UpdateOp[] } | { kind: 'delete' };

export interface CrashItem {
  group: string;
  item: string;
}

/** The items one round writes; names hold ':' and a control character to exercise key escaping on disk. */
export function crashItems(round: number): CrashItem[] {
  return Array.from({ length: ITEMS_PER_ROUND }, (_, j) => ({ group: `g:${j % GROUPS}`, item: `r${round}:i${j}\u0000` }));
}

/** Sizes from a few bytes to past one 4 KiB page, so some values live in LMDB overflow pages. */
function pad(k: number): string {
  return String.fromCharCode(97 + (k % 26)).repeat((k * 997) % 6000);
}

const CYCLE = ['set', 'update', 'update', 'delete', 'set', 'update'] as const;

/** Write k (1-based) of an item: a fixed cycle, so the parent can tell what every write did. */
export function opAt(k: number): CrashOp {
  switch (CYCLE[(k - 1) % CYCLE.length]) {
    case 'set':
      return { kind: 'set', data: { v: k, n: 0, pad: pad(k) } };
    case 'update':
      return {
        kind: 'update',
        ops: [
          { type: 'set', path: 'v', value: k },
          { type: 'increment', path: 'n', by: 1 },
          { type: 'set', path: 'pad', value: pad(k) },
        ],
      };
    case 'delete':
      return { kind: 'delete' };
  }
}

/** The item's value once writes 1..k have all applied (null before the first write and after a delete). */
export function stateAfter(k: number): CrashValue | null {
  let state: CrashValue | null = null;
  for (let i = 1; i <= k; i++) {
    const op = opAt(i);
    // Updates only ever follow a set or an update in the cycle, so `state` is never null here.
    state = op.kind === 'set' ? op.data : op.kind === 'delete' ? null : { v: i, n: state!.n + 1, pad: pad(i) };
  }
  return state;
}

async function apply(adapter: StreamAdapter, { group, item }: CrashItem, op: CrashOp): Promise<void> {
  if (op.kind === 'set') await adapter.set(CRASH_STREAM, group, item, op.data);
  else if (op.kind === 'update') await adapter.update(CRASH_STREAM, group, item, op.ops);
  else await adapter.delete(CRASH_STREAM, group, item);
}

/** Bounds an orphaned writer (its parent died without killing it); the test kills it long before. */
const MAX_WRITES_PER_ITEM = 50_000;

async function main(): Promise<void> {
  const [dir, round] = process.argv.slice(2);
  const adapter = await FileStreamAdapter.open({ type: 'file', path: dir });
  // A closed pipe means the parent is gone.
  process.stdout.on('error', () => process.exit(0));
  process.stdout.write('ready\n');
  await Promise.all(
    crashItems(Number(round)).map(async (target) => {
      for (let k = 1; k <= MAX_WRITES_PER_ITEM; k++) {
        await apply(adapter, target, opAt(k));
        process.stdout.write(`${target.item}\t${k}\n`);
      }
    }),
  );
  await adapter.close();
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
