import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { FileStreamAdapter } from '../../libs/streams/src/adapters/file/file.adapter';
import { LOCK_FILE } from '../../libs/streams/src/adapters/file/file-directory.lock';

/*
 * The store lock across processes (issue 16): several processes opening one directory at the same moment
 * (each waits for a shared instant, then opens), over a fresh directory or over a lock file left by a dead
 * process; exactly one may get it, every time. Then a holder killed with SIGKILL, whose store must open
 * again at once.
 */

const OPENER = join(__dirname, '..', 'support', 'file-lock-opener.ts');
const POOL = 4;
const TRIES = 100;
/** Far enough ahead for the command to reach every racer, even on a loaded machine. */
const START_DELAY_MS = 40;

/** One opener process (test/support/file-lock-opener.ts) and its answers, one line per command. */
class Opener {
  private readonly answers: string[] = [];
  private waiting: ((line: string) => void) | null = null;
  private stderr = '';

  private constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (this.waiting) {
        const deliver = this.waiting;
        this.waiting = null;
        deliver(line);
      } else this.answers.push(line);
    });
  }

  static async start(): Promise<Opener> {
    const opener = new Opener(spawn(process.execPath, ['-r', '@swc-node/register', OPENER], { cwd: join(__dirname, '..', '..') }));
    expect(await opener.next()).toBe('ready');
    return opener;
  }

  ask(...command: string[]): Promise<string> {
    this.child.stdin.write(`${command.join('\t')}\n`);
    return this.next();
  }

  private next(): Promise<string> {
    const line = this.answers.shift();
    if (line !== undefined) return Promise.resolve(line);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`opener ${this.child.pid} did not answer; stderr: ${this.stderr}`)), 20_000);
      this.waiting = (answer) => {
        clearTimeout(timer);
        resolve(answer);
      };
    });
  }

  stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.stdin.end();
    });
  }

  kill(): Promise<void> {
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill('SIGKILL');
    });
  }
}

describe('file store lock across processes', () => {
  let root: string;
  const pool: Opener[] = [];

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'file-lock-race-'));
    for (let i = 0; i < POOL; i++) pool.push(await Opener.start());
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
      const answers = await Promise.all(racers.map((racer) => racer.ask('open', dir, at)));
      winners.push(answers.filter((answer) => answer === 'got').length);
      const refusal = new RegExp(`^refused File stream store ${dir} is already open in (process \\d+ on |another process)`);
      strayAnswers.push(...answers.filter((answer) => answer !== 'got' && !refusal.test(answer)));
      await Promise.all(racers.map((racer) => racer.ask('close')));
    }
    // One entry per try: how many racers got the store.
    expect(winners).toEqual(Array(TRIES).fill(1));
    expect(strayAnswers).toEqual([]);
  }, 120_000);

  it('lets the store open at once after its holder was killed with SIGKILL, and refuses it while the holder lives', async () => {
    const dir = join(root, 'killed');
    const holder = await Opener.start();
    try {
      expect(await holder.ask('open', dir, '0')).toBe('got');
      await expect(FileStreamAdapter.open({ type: 'file', path: dir })).rejects.toThrow(`${dir} is already open in process ${holder.child.pid} on ${hostname()}`);
    } finally {
      await holder.kill();
    }
    const adapter = await FileStreamAdapter.open({ type: 'file', path: dir });
    await adapter.close();
  }, 60_000);
});
