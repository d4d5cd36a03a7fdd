import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmdirSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/*
 * Small tmpfs mounts for disk-full tests: a real filesystem that runs out of space, so the store's own
 * writes fail with the kernel's error. Mounting needs root (CAP_SYS_ADMIN), as in CI here.
 */

/** Mounts a tmpfs of `bytes` on a new directory and returns the directory. */
export function mountTmpfs(bytes: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'streams-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    rmdirSync(dir);
    throw new Error(`cannot mount a tmpfs (needs root): ${(error as { stderr?: Buffer }).stderr?.toString().trim() || (error as Error).message}`, { cause: error });
  }
  return dir;
}

/** Unmounts (lazily if a process still holds a file there: it goes once that one closes) and removes the directory. */
export function unmountTmpfs(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'pipe' });
  } catch {
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
  }
  rmdirSync(dir);
}

/** Why a tmpfs cannot be mounted here, or null when it can (mounts and unmounts a tiny one). */
export function tmpfsUnavailable(): string | null {
  try {
    unmountTmpfs(mountTmpfs(64 * 1024));
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * `describe` for tests that mount a tmpfs. When mounting is not permitted: in CI (`CI` set) the block
 * FAILS; locally it is skipped with a loud warning.
 */
export function describeTmpfs(name: string, fn: () => void): void {
  const missing = tmpfsUnavailable();
  if (!missing) {
    describe(name, fn);
    return;
  }
  if (process.env.CI) {
    describe(name, () => {
      it('needs a tmpfs', () => {
        throw new Error(`${missing}: disk-full tests must run in CI (as root)`);
      });
    });
    return;
  }
  console.warn(`\n!!! SKIPPING disk-full tests "${name}": ${missing}. Run as root to run them. !!!\n`);
  describe.skip(name, fn);
}

/** Fills the filesystem holding `dir` with one file until the kernel says ENOSPC; returns a function that frees it. */
export function fillUp(dir: string): () => void {
  const file = join(dir, 'filler');
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  // The last partial chunk may leave a few bytes: fill them one at a time.
  const tail = openSync(file, 'a');
  try {
    for (;;) writeSync(tail, chunk, 0, 1);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(tail);
  }
  return () => rmSync(file);
}
