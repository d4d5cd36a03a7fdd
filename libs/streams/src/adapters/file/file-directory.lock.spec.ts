import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirectoryLock, LOCK_FILE } from './file-directory.lock';

/** The cross-process case (a live writer process holding the store) is in test/e2e/file-crash.e2e-spec.ts. */
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

  it('is exclusive within a process and released for the next owner', () => {
    const lock = DirectoryLock.acquire(dir);
    expect(() => DirectoryLock.acquire(dir)).toThrow(`File stream store ${dir} is already open in this process (lock file ${lockFile})`);
    lock.release();
    lock.release();
    expect(existsSync(lockFile)).toBe(false);
    DirectoryLock.acquire(dir).release();
  });

  it('takes over the lock of a process that is gone', () => {
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    writeLock(JSON.stringify({ pid: gone, host: hostname() }));
    const lock = DirectoryLock.acquire(dir);
    expect(() => DirectoryLock.acquire(dir)).toThrow('already open in this process');
    lock.release();
  });

  it('takes over a lock left by an earlier process that had this same pid (a restarted container)', () => {
    writeLock(JSON.stringify({ pid: process.pid, host: hostname() }));
    DirectoryLock.acquire(dir).release();
  });

  it('takes over a lock file left unreadable by an owner that died writing it', () => {
    writeLock('');
    DirectoryLock.acquire(dir).release();
  });

  it('refuses a lock held from another host, whose process it cannot check', () => {
    writeLock(JSON.stringify({ pid: 1, host: 'elsewhere.example' }));
    expect(() => DirectoryLock.acquire(dir)).toThrow(`File stream store ${dir} is already open in process 1 on elsewhere.example`);
  });
});
