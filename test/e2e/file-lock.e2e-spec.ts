import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStreamAdapter } from '../../libs/streams/src/adapters/file/file.adapter';
import { LOCK_FILE } from '../../libs/streams/src/adapters/file/file-directory.lock';
import { ChildLines } from '../support/child-lines';

/*
 * The store lock across processes (issue 16): several processes opening one directory at the same moment
 * (each waits for a shared instant, then opens), over a fresh directory or over a lock file left by a dead
 * process; exactly one may get it, every time. Then processes opening and closing one store over and over,
 * which must never hold it at the same time, and a holder killed with SIGKILL, whose store must open again
 * at once.
 */

const POOL = 4;
const TRIES = 100;
const CHURNS = 50;
/** Far enough ahead for the command to reach every racer, even on a loaded machine. */
const START_DELAY_MS = 40;

/** An opener process (test/support/file-lock-opener.ts), ready for commands. */
async function startOpener(): Promise<ChildLines> {
  const opener = ChildLines.start('file-lock-opener.ts');
  expect(await opener.next()).toBe('ready');
  return opener;
}

/** Sends one command and resolves with its answer. */
function ask(opener: ChildLines, ...command: string[]): Promise<string> {
  opener.send(...command);
  return opener.next();
}

describe('file store lock across processes', () => {
  let root: string;
  const pool: ChildLines[] = [];

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'file-lock-race-'));
    for (let i = 0; i < POOL; i++) pool.push(await startOpener());
  }, 60_000);

  afterAll(async () => {
    await Promise.all(pool.map((opener) => opener.stop()));
    rmSync(root, { recursive: true, force: true });
  });

  it(`grants a directory to exactly one of 2–${POOL} processes opening it at the same moment (${TRIES} tries, half over a dead process's lock file)`, async () => {
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid;
    const winners: number[] = [];
    const strayAnswers: string[] = [];
    for (let t = 0; t < TRIES; t++) {
      const dir = join(root, `try-${t}`);
      mkdirSync(dir);
      if (t % 2 === 1) writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: deadPid, host: hostname() }));
      const racers = pool.slice(0, 2 + (t % (POOL - 1)));
      const at = String(Date.now() + START_DELAY_MS);
      const answers = await Promise.all(racers.map((racer) => ask(racer, 'open', dir, at)));
      winners.push(answers.filter((answer) => answer === 'got').length);
      const refusal = new RegExp(`^refused File stream store ${dir} is already open in (process \\d+ on |another process)`);
      strayAnswers.push(...answers.filter((answer) => answer !== 'got' && !refusal.test(answer)));
      await Promise.all(racers.map((racer) => ask(racer, 'close')));
    }
    // One entry per try: how many racers got the store.
    expect(winners).toEqual(Array(TRIES).fill(1));
    expect(strayAnswers).toEqual([]);
  }, 120_000);

  it(`never lets two processes hold a store while ${POOL} of them open and close it until each got it ${CHURNS} times`, async () => {
    // Closing removes the lock file while others are opening it: an opener that locked the removed file
    // must start again rather than count as a holder.
    const dir = join(root, 'churn');
    const answers = await Promise.all(pool.map((opener) => ask(opener, 'churn', dir, String(CHURNS))));
    const counts = answers.map((answer) => {
      const [got, refused, overlaps] = /^churned (\d+) (\d+) (\d+)$/.exec(answer)!.slice(1).map(Number);
      return { got, contended: refused > 0, overlaps };
    });
    expect(counts).toEqual(Array(POOL).fill({ got: CHURNS, contended: true, overlaps: 0 }));
  }, 120_000);

  it('lets the store open at once after its holder was killed with SIGKILL, and refuses it while the holder lives', async () => {
    const dir = join(root, 'killed');
    const holder = await startOpener();
    try {
      expect(await ask(holder, 'open', dir, '0')).toBe('got');
      await expect(FileStreamAdapter.open({ type: 'file', path: dir })).rejects.toThrow(`${dir} is already open in process ${holder.child.pid} on ${hostname()}`);
    } finally {
      await holder.kill();
    }
    const adapter = await FileStreamAdapter.open({ type: 'file', path: dir });
    await adapter.close();
  }, 60_000);
});
