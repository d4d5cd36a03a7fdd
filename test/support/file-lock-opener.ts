/*
 * The child process of test/e2e/file-lock.e2e-spec.ts: opens file stores on command, so several processes
 * can race to open one directory.
 *   node -r @swc-node/register test/support/file-lock-opener.ts
 * Prints `ready`, then reads one command a line from stdin:
 *   open <dir> <at>  waits (spinning) until the wall clock reaches <at> ms, then opens the store in <dir>;
 *                    prints `got` or `refused <message>`
 *   close            closes the store it holds, if any; prints `closed`
 * It exits when stdin closes (the parent is done or gone).
 */
import { createInterface } from 'node:readline';
import { FileStreamAdapter } from '../../libs/streams/src/adapters/file/file.adapter';

let held: FileStreamAdapter | null = null;

async function run(line: string): Promise<string> {
  const [command, dir, at] = line.split('\t');
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
