/*
 * The child process of test/e2e/file-lock.e2e-spec.ts: opens file stores on command, so several processes
 * can race to open one directory.
 *   node -r @swc-node/register test/support/file-lock-opener.ts
 * Prints `ready`, then reads one command a line from stdin:
 *   open <dir> <at>  waits (spinning) until the wall clock reaches <at> ms, then opens the store in <dir>;
 *                    prints `got` or `refused <message>`
 *   close            closes the store it holds, if any; prints `closed`
 *   churn <dir> <n>  opens the store until it got it n times (or a minute passed), each time creating
 *                    `<dir>.holder` exclusively, then removing it and closing the store; prints
 *                    `churned <got> <refused> <overlaps>`, where an overlap is a holder file already there
 *                    (another process held the store at the same time)
 * It exits when stdin closes (the parent is done or gone).
 */
import { rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { FileStreamAdapter } from '../../libs/streams/src/adapters/file/file.adapter';

let held: FileStreamAdapter | null = null;

/** Opens and closes the store `times` times, counting how often another process held it at the same time. */
async function churn(dir: string, times: number): Promise<string> {
  let got = 0;
  let refused = 0;
  let overlaps = 0;
  const end = Date.now() + 60_000;
  while (got < times && Date.now() < end) {
    let store: FileStreamAdapter;
    try {
      store = await FileStreamAdapter.open({ type: 'file', path: dir });
    } catch {
      refused++;
      continue;
    }
    got++;
    try {
      writeFileSync(`${dir}.holder`, String(process.pid), { flag: 'wx' });
      rmSync(`${dir}.holder`);
    } catch {
      overlaps++;
    }
    await store.close();
  }
  return `churned ${got} ${refused} ${overlaps}`;
}

async function run(line: string): Promise<string> {
  const [command, dir, at] = line.split('\t');
  if (command === 'churn') return churn(dir, Number(at));
  if (command === 'close') {
    await held?.close();
    held = null;
    return 'closed';
  }
  // A timer until just before, then spinning: every racer leaves the wait within microseconds of the others.
  await new Promise((resolve) => setTimeout(resolve, Number(at) - Date.now() - 2));
  while (Date.now() < Number(at));
  try {
    held = await FileStreamAdapter.open({ type: 'file', path: dir });
    return 'got';
  } catch (error) {
    return `refused ${(error as Error).message}`;
  }
}

const lines = createInterface({ input: process.stdin });
let queue = Promise.resolve();
lines.on('line', (line) => {
  queue = queue.then(async () => {
    process.stdout.write(`${await run(line)}\n`);
  });
});
lines.on('close', () => {
  void queue.then(() => held?.close()).then(() => process.exit(0));
});
process.stdout.write('ready\n');
