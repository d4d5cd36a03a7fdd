import { join } from 'node:path';
import type { FileDurability } from 'nest-realtime-streams';
import { FileStreamAdapter } from '../../libs/streams/src/adapters/file/file.adapter';
import { ChildLines } from '../support/child-lines';
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

const TMPFS_BYTES = 4 * 1024 * 1024;
/** Bigger than a page, so each value needs new contiguous pages (LMDB overflow pages) that only growth gives. */
const BIG = 20_000;

/** The app process (test/support/file-disk-full.app.ts), listening. */
async function startApp(dir: string, durability: FileDurability): Promise<{ app: ChildLines; port: number }> {
  const app = ChildLines.start('file-disk-full.app.ts', [dir, durability]);
  const port = /^port (\d+)$/.exec(await app.next());
  if (!port) throw new Error(`unexpected first line from the app: ${app.lines[0]}`);
  return { app, port: Number(port[1]) };
}

/** Sends the writes at once (so they share commits) and resolves with each one's answer, in the order given. */
async function set(app: ChildLines, items: string[], bytes: number): Promise<string[]> {
  for (const item of items) app.send('set', item, String(bytes));
  const answerFor = (item: string) => app.lines.find((line) => line.split(' ')[1] === item);
  await app.until(() => items.every((item) => answerFor(item) !== undefined));
  return items.map((item) => answerFor(item)!);
}

const isItemEvent = (f: Frame) => f.event?.type === 'create' || f.event?.type === 'update';
const seqOf = (f: Frame) => Number(f.position!.split(':')[1]);

describeTmpfs('file store on a full disk', () => {
  let mount: string;
  let app: ChildLines | undefined;
  let client: TestClient | undefined;

  beforeEach(() => {
    mount = mountTmpfs(TMPFS_BYTES);
  });

  afterEach(async () => {
    client?.close();
    await app?.kill();
    unmountTmpfs(mount);
  });

  it.each<FileDurability>(['commit', 'flush'])('durability %s: rejects each write whose commit fails, publishes nothing for it, stays up, and writes again once space is back', async (durability) => {
    const dir = join(mount, 'store');
    const started = await startApp(dir, durability);
    app = started.app;
    const url = `ws://127.0.0.1:${started.port}/`;
    client = await TestClient.connect(url);
    client.join('s', DISK_STREAM, DISK_GROUP);
    expect((await client.next()).event).toEqual({ type: 'sync', data: [] });

    expect(await set(app, ['a1', 'a2', 'a3'], 1000)).toEqual(['ok a1', 'ok a2', 'ok a3']);
    const before = [await client.next(isItemEvent), await client.next(isItemEvent), await client.next(isItemEvent)];
    expect(before.map((f) => f.id).sort()).toEqual(['a1', 'a2', 'a3']);

    const freeSpace = fillUp(mount);
    const rejected: string[] = [];
    // One write alone, then bursts that share commits: 13 failed writes in all, over several commits.
    for (const items of [['f1'], ['f2', 'f3', 'f4', 'f5'], ['f6'], ['f7', 'f8', 'f9', 'f10'], ['f11', 'f12', 'f13']]) {
      rejected.push(...(await set(app, items, BIG)));
    }
    const failure = new RegExp(`^err f\\d+ STREAM_SET_ERROR stream set failed: File stream store ${dir}: commit failed: (No space left on device|Input/output error)`);
    expect(rejected.filter((answer) => !failure.test(answer))).toEqual([]);
    expect(rejected).toHaveLength(13);
    expect(app.running).toBe(true);
    // A join's snapshot commits the clock, a small write: it fits when LMDB can reuse pages freed by earlier
    // commits (then the sync holds exactly the stored items), else the join gets `snapshot_failed`. Both
    // happen here, from run to run; a wrong sync or silence never does.
    const joiner = await TestClient.connect(url);
    joiner.join('s', DISK_STREAM, DISK_GROUP);
    const answer = await joiner.next();
    joiner.close();
    const seen = answer.event?.type === 'sync' ? { sync: (answer.event.data as { item: string }[]).map((v) => v.item).sort() } : { error: answer.error?.code };
    expect([{ sync: ['a1', 'a2', 'a3'] }, { error: 'snapshot_failed' }]).toContainEqual(seen);

    freeSpace();
    expect(await set(app, ['b1', 'b2', 'b3'], BIG)).toEqual(['ok b1', 'ok b2', 'ok b3']);
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
