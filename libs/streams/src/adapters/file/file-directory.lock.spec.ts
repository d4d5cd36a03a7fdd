import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirectoryLock, LOCK_FILE } from './file-directory.lock';

/**
 * Racing opener processes, a holder killed with SIGKILL and a live holder in another process are in
 * test/e2e/file-lock.e2e-spec.ts.
 */
describe('DirectoryLock', () => {
  let dir: string;
  let lockFile: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'file-lock-'));
    lockFile = join(dir, LOCK_FILE);
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const writeLock = (content: string) => writeFileSync(lockFile, content);

  it('is exclusive within a process, records its owner, and is free again once released', () => {
    const lock = DirectoryLock.acquire(dir);
    expect(JSON.parse(readFileSync(lockFile, 'utf8'))).toEqual({ pid: process.pid, host: hostname() });
    expect(() => DirectoryLock.acquire(dir)).toThrow(`File stream store ${dir} is already open in this process (lock file ${lockFile})`);
    lock.release();
    expect(existsSync(lockFile)).toBe(false);
    DirectoryLock.acquire(dir).release();
  });

  it('is released only by its owner: a second release by a former holder leaves the new holder its lock', () => {
    const former = DirectoryLock.acquire(dir);
    former.release();
    const current = DirectoryLock.acquire(dir);
    former.release();
    expect(existsSync(lockFile)).toBe(true);
    expect(() => DirectoryLock.acquire(dir)).toThrow('already open in this process');
    current.release();
    DirectoryLock.acquire(dir).release();
  });

  it('a holder whose lock file was deleted under it does not remove the file of the opener after it', () => {
    const first = DirectoryLock.acquire(dir);
    // By hand, against the docs: the next opener then gets a lock of its own on a new file.
    unlinkSync(lockFile);
    const second = DirectoryLock.acquire(dir);
    first.release();
    expect(existsSync(lockFile)).toBe(true);
    expect(() => DirectoryLock.acquire(dir)).toThrow('already open in this process');
    second.release();
    expect(existsSync(lockFile)).toBe(false);
  });

  it('an opener whose lock file was removed between its open and its lock starts again, and the new holder refuses it', () => {
    const holder = DirectoryLock.acquire(dir);
    let next: DirectoryLock | undefined;
    const open = fs.openSync;
    // The interleaving of a race, made certain: right after the opener opens the holder's file, the holder
    // releases (removing the file) and another opener creates a new file and locks it.
    const spy = jest.spyOn(fs, 'openSync').mockImplementationOnce((...args: Parameters<typeof fs.openSync>) => {
      const fd = open(...args);
      holder.release();
      next = DirectoryLock.acquire(dir);
      return fd;
    });
    try {
      expect(() => DirectoryLock.acquire(dir)).toThrow('already open in this process');
    } finally {
      spy.mockRestore();
      next?.release();
    }
    expect(next).toBeDefined();
  });

  it('a refused opener leaves the holder its lock and its record', () => {
    const lock = DirectoryLock.acquire(dir);
    const record = readFileSync(lockFile, 'utf8');
    expect(() => DirectoryLock.acquire(dir)).toThrow('already open');
    expect(readFileSync(lockFile, 'utf8')).toBe(record);
    expect(() => DirectoryLock.acquire(dir)).toThrow('already open');
    lock.release();
  });

  // Whatever a file left behind says, only a held OS lock refuses: these never block a restart.
  it.each([
    ['a process that is gone', () => JSON.stringify({ pid: spawnSync(process.execPath, ['-e', '']).pid, host: hostname() })],
    ['an earlier process that had this same pid (a restarted container)', () => JSON.stringify({ pid: process.pid, host: hostname() })],
    ['another host', () => JSON.stringify({ pid: 1, host: 'elsewhere.example' })],
    ['an owner that died writing it (unreadable)', () => '{"pid":'],
  ])('takes a lock file left by %s', (_, content) => {
    writeLock(content());
    const lock = DirectoryLock.acquire(dir);
    expect(JSON.parse(readFileSync(lockFile, 'utf8'))).toEqual({ pid: process.pid, host: hostname() });
    lock.release();
  });
});
