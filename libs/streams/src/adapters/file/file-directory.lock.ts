import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export const LOCK_FILE = 'streams.lock';

interface LockOwner {
  pid: number;
  host: string;
}

/**
 * Lock files held by this process. Process-wide (not per module instance), so two copies of the library,
 * or Jest's per-file module registries, still see each other. It also tells a lock left by an earlier
 * process that had the same pid (a container restarted after a crash runs as pid 1 again) from our own.
 */
const HELD_KEY = Symbol.for('nest-realtime-streams.file-store-locks');
const held: Set<string> = ((globalThis as Record<symbol, Set<string> | undefined>)[HELD_KEY] ??= new Set());

/**
 * One adapter per store directory, across processes and within one: the adapter keeps per-group positions
 * and fan-out in memory, so a second writer would publish events the first one's subscribers never see.
 * (LMDB itself stays consistent with several writers; the lock guards the semantics, not the bytes.)
 *
 * The lock is a file created exclusively, holding the owner's pid and host. A lock whose process is gone
 * (the owner was killed) is stale and taken over; one from another host cannot be checked and is refused.
 */
export class DirectoryLock {
  private released = false;

  private constructor(private readonly file: string) {}

  static acquire(dir: string): DirectoryLock {
    const file = join(dir, LOCK_FILE);
    if (held.has(file)) throw inUse(dir, file, 'this process');
    const me: LockOwner = { pid: process.pid, host: hostname() };
    // Two attempts: the second follows the removal of a stale lock.
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(file, JSON.stringify(me), { flag: 'wx' });
        held.add(file);
        return new DirectoryLock(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const owner = readOwner(file);
      if (owner && isAlive(owner)) throw inUse(dir, file, `process ${owner.pid} on ${owner.host}`);
      rmSync(file, { force: true });
    }
    throw new Error(`File stream store ${dir}: another process keeps taking the lock file ${file}`);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    held.delete(this.file);
    rmSync(this.file, { force: true });
  }
}

function inUse(dir: string, file: string, who: string): Error {
  return new Error(
    `File stream store ${dir} is already open in ${who} (lock file ${file}); only one adapter may use a store at a time. ` +
      'If no process uses it (the pid now belongs to another program), delete the lock file.',
  );
}

/** The owner recorded in the lock, or null when the file is unreadable (its writer died creating it). */
function readOwner(file: string): LockOwner | null {
  try {
    const owner = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockOwner>;
    return Number.isInteger(owner.pid) && typeof owner.host === 'string' ? (owner as LockOwner) : null;
  } catch {
    return null;
  }
}

function isAlive(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return true;
  // Our own pid but not in `held`: an earlier process with the same pid left it.
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
