import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { FileDurability } from 'nest-realtime-streams';
import { FileStreamAdapter } from '../../libs/streams/src/adapters/file/file.adapter';
import { DISK_GROUP, DISK_STREAM } from '../support/file-disk-full.app';
import { describeTmpfs, fillUp, mountTmpfs, unmountTmpfs } from '../support/tmpfs';
import { type Frame, TestClient } from '../support/ws-client';

/*
 * A full disk under a running app (issue 16). The store lives on a 4 MiB tmpfs; an app process writes to
 * it while a WebSocket client is joined. Once a filler file takes every free byte, the app's writes need
 * pages the disk cannot give, so their commits fail in the kernel. The test asserts that each such write is
 * rejected (the writer gets an error naming the store and the cause), that the client gets nothing for
 * them, that the process stays up, that a join meanwhile gets a true sync or an error frame, and that once
 * the filler is gone the next writes succeed and reach the client with the very next positions. Before the fix, lmdb-js's unhandled commit rejections ended the
 * process at the first failed commit.
 */

const APP = join(__dirname, '..', 'support', 'file-disk-full.app.ts');
const TMPFS_BYTES = 4 * 1024 * 1024;
/** Bigger than a page, so each value needs new contiguous pages (LMDB overflow pages) that only growth gives. */
const BIG = 20_000;

/** The app process (test/support/file-disk-full.app.ts) and its answers, by item. */
class DiskFullApp {
  private readonly answers = new Map<string, string>();
  private wake: (() => void) | null = null;
  stderr = '';
  port = 0;

  private constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const port = /^port (\d+)$/.exec(line);
      if (port) this.port = Number(port[1]);
      else this.answers.set(line.split(' ')[1], line);
      this.wake?.();
    });
    child.on('exit', () => this.wake?.());
  }

  static async start(dir: string, durability: FileDurability): Promise<DiskFullApp> {
    const app = new DiskFullApp(spawn(process.execPath, ['-r', '@swc-node/register', APP, dir, durability], { cwd: join(__dirname, '..', '..') }));
    await app.until(() => app.port > 0);
    return app;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Sends every write at once (so they share commits) and resolves with each answer, in the order given. */
  async set(items: string[], bytes: number): Promise<string[]> {
    for (const item of items) this.child.stdin.write(`set\t${item}\t${bytes}\n`);
    await this.until(() => items.every((item) => this.answers.has(item)));
    return items.map((item) => this.answers.get(item)!);
  }

  /** Closes stdin (the app closes and exits) and resolves with how it ended. */
  stop(): Promise<{ code: number | null; signal: string | null }> {
    if (!this.running) return Promise.resolve({ code: this.child.exitCode, signal: this.child.signalCode });
    return new Promise((resolve) => {
      this.child.once('exit', (code, signal) => resolve({ code, signal }));
      this.child.stdin.end();
    });
  }

  private async until(check: () => boolean): Promise<void> {
    const end = Date.now() + 20_000;
    while (!check()) {
      if (!this.running) throw new Error(`the app exited (${this.child.exitCode ?? this.child.signalCode}); stderr: ${this.stderr.slice(-2000)}`);
      if (Date.now() > end) throw new Error(`the app did not answer; stderr: ${this.stderr.slice(-2000)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}

const isItemEvent = (f: Frame) => f.event?.type === 'create' || f.event?.type === 'update';
const seqOf = (f: Frame) => Number(f.position!.split(':')[1]);

describeTmpfs('file store on a full disk', () => {
  let mount: string;
  let app: DiskFullApp | undefined;
  let client: TestClient | undefined;

  beforeEach(() => {
    mount = mountTmpfs(TMPFS_BYTES);
  });

  afterEach(async () => {
    client?.close();
    if (app?.running) app.child.kill('SIGKILL');
    await new Promise<void>((resolve) => (app?.running ? app.child.once('exit', () => resolve()) : resolve()));
    unmountTmpfs(mount);
  });

  it.each<FileDurability>(['commit', 'flush'])('durability %s: rejects each write whose commit fails, publishes nothing for it, stays up, and writes again once space is back', async (durability) => {
    const dir = join(mount, 'store');
    app = await DiskFullApp.start(dir, durability);
    client = await TestClient.connect(`ws://127.0.0.1:${app.port}/`);
    client.join('s', DISK_STREAM, DISK_GROUP);
    expect((await client.next()).event).toEqual({ type: 'sync', data: [] });

    expect(await app.set(['a1', 'a2', 'a3'], 1000)).toEqual(['ok a1', 'ok a2', 'ok a3']);
    const before = [await client.next(isItemEvent), await client.next(isItemEvent), await client.next(isItemEvent)];
    expect(before.map((f) => f.id).sort()).toEqual(['a1', 'a2', 'a3']);

    const freeSpace = fillUp(mount);
    const rejected: string[] = [];
    // One write alone, then bursts that share commits: 13 failed writes in all, over several commits.
    for (const items of [['f1'], ['f2', 'f3', 'f4', 'f5'], ['f6'], ['f7', 'f8', 'f9', 'f10'], ['f11', 'f12', 'f13']]) {
      rejected.push(...(await app.set(items, BIG)));
    }
    const failure = new RegExp(`^err f\\d+ STREAM_SET_ERROR stream set failed: File stream store ${dir}: commit failed: (No space left on device|Input/output error)`);
    expect(rejected.filter((answer) => !failure.test(answer))).toEqual([]);
    expect(rejected).toHaveLength(13);
    expect(app.running).toBe(true);
    // A join's snapshot commits the clock, a small write: it fits when LMDB can reuse pages freed by earlier
    // commits (then the sync holds exactly the stored items), else the join gets `snapshot_failed`. Both
    // happen here, from run to run; a wrong sync or silence never does.
    const joiner = await TestClient.connect(`ws://127.0.0.1:${app.port}/`);
    joiner.join('s', DISK_STREAM, DISK_GROUP);
    const answer = await joiner.next();
    joiner.close();
    const seen = answer.event?.type === 'sync' ? { sync: (answer.event.data as { item: string }[]).map((v) => v.item).sort() } : { error: answer.error?.code };
    expect([{ sync: ['a1', 'a2', 'a3'] }, { error: 'snapshot_failed' }]).toContainEqual(seen);

    freeSpace();
    expect(await app.set(['b1', 'b2', 'b3'], BIG)).toEqual(['ok b1', 'ok b2', 'ok b3']);
    // The client's very next frames are the writes after the full disk, at the very next positions: nothing
    // was published for a rejected write, and no position was spent on one.
    const after = [await client.next(), await client.next(), await client.next()];
    expect(after.map((f) => f.id).sort()).toEqual(['b1', 'b2', 'b3']);
    expect([...before, ...after].map(seqOf)).toEqual([1, 2, 3, 4, 5, 6]);

    expect(await app.stop()).toEqual({ code: 0, signal: null });
    expect(app.stderr).not.toMatch(/unhandled|Unhandled/);

    const store = await FileStreamAdapter.open({ type: 'file', path: dir });
    try {
      const items = ((await store.list(DISK_STREAM, DISK_GROUP)) as { item: string }[]).map((value) => value.item);
      expect(items.sort()).toEqual(['a1', 'a2', 'a3', 'b1', 'b2', 'b3']);
    } finally {
      await store.close();
    }
  }, 90_000);
});
