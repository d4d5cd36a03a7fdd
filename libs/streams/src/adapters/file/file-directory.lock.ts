import { closeSync, constants, fstatSync, ftruncateSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { tryLock, unlock } from 'fs-native-extensions';

export const LOCK_FILE = 'streams.lock';

interface LockOwner {
  pid: number;
  host: string;
}

/** Each retry needs a holder to have released between our open and our lock: a few always suffice. */
const MAX_ATTEMPTS = 10;

/**
 * One adapter per store directory, across processes and within one: the adapter keeps per-group positions
 * and fan-out in memory, so a second writer would publish events the first one's subscribers never see.
 * (LMDB itself stays consistent with several writers; the lock guards the semantics, not the bytes.)
 *
 * The lock is an exclusive OS lock on `streams.lock`, held through an open descriptor for the store's life:
 * an open-file-description lock on Linux (`fcntl` F_OFD_SETLK), `flock` on macOS, `LockFileEx` on Windows.
 * The kernel grants it to one descriptor at a time, so openers cannot race, a second open in the same
 * process is refused like one from another process, and it dies with its process however that ends
 * (`kill -9` included): there is no stale lock to detect or take over.
 *
 * The file is removed on release, and only by a holder, while it still holds the lock and only if the path
 * still names the file it locked. An opener that locked a file just removed (it opened it before the
 * removal) sees that the path no longer names it and starts again, so a lock on a removed file never counts.
 * The file's content (owner pid and host) only serves error messages.
 */
export class DirectoryLock {
  private constructor(
    private readonly file: string,
    private fd: number | null,
  ) {}

  static acquire(dir: string): DirectoryLock {
    const file = join(dir, LOCK_FILE);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const fd = openSync(file, constants.O_RDWR | constants.O_CREAT, 0o644);
      try {
        if (!lock(fd, dir, file)) throw inUse(dir, file);
        if (namesFile(file, fd)) {
          const me: LockOwner = { pid: process.pid, host: hostname() };
          ftruncateSync(fd, 0);
          writeSync(fd, JSON.stringify(me), 0);
          return new DirectoryLock(file, fd);
        }
      } catch (error) {
        closeSync(fd);
        throw error;
      }
      // Closing the descriptor drops our lock on the removed file.
      closeSync(fd);
    }
    throw new Error(`File stream store ${dir}: the lock file ${file} kept being removed while opening; another process is opening and closing the store`);
  }

  /** Removes the lock file if it is still ours, then drops the lock. Calling it again does nothing. */
  release(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    try {
      // Only while we hold the lock: nobody else can be holding the file the path names.
      if (namesFile(this.file, fd)) unlinkSync(this.file);
    } finally {
      unlock(fd);
      closeSync(fd);
    }
  }
}

/** Takes the OS lock without waiting; false when another descriptor holds it. */
function lock(fd: number, dir: string, file: string): boolean {
  try {
    return tryLock(fd);
  } catch (error) {
    // For instance a filesystem without locks (ENOLCK), or a kernel without OFD locks (EINVAL, before 3.15).
    throw new Error(`File stream store ${dir}: cannot lock ${file}: ${(error as Error).message}`, { cause: error });
  }
}

/** Whether `path` still names the file open as `fd`. */
function namesFile(path: string, fd: number): boolean {
  const current = statSync(path, { throwIfNoEntry: false });
  const open = fstatSync(fd);
  return current !== undefined && current.ino === open.ino && current.dev === open.dev;
}

/** The code of the error opening a store that another adapter holds (docs/reference/file-adapter.md): stable, for apps to explain it. */
export const STORE_LOCKED = 'STREAMS_STORE_LOCKED';

function inUse(dir: string, file: string): Error {
  const owner = readOwner(file);
  const who = !owner ? 'another process' : owner.pid === process.pid && owner.host === hostname() ? 'this process' : `process ${owner.pid} on ${owner.host}`;
  const message = `File stream store ${dir} is already open in ${who} (lock file ${file}); only one adapter may use a store at a time`;
  return Object.assign(new Error(message), { code: STORE_LOCKED, directory: dir, holder: who });
}

/** The owner the holder recorded, or null before it has written it (it locks first, then writes). */
function readOwner(file: string): LockOwner | null {
  try {
    const owner = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockOwner>;
    return Number.isInteger(owner.pid) && typeof owner.host === 'string' ? (owner as LockOwner) : null;
  } catch {
    return null;
  }
}
