import { execFileSync } from 'node:child_process';

/** Descriptors a process needs beyond its sockets: listeners, IPC, pipes, node's own files. */
const FD_HEADROOM = 200;

/** The open-files limit children inherit (`ulimit -n` of a shell started from this process); null if unknown. */
export function openFilesLimit(): number | null {
  try {
    const out = execFileSync('/bin/sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
    return out === 'unlimited' ? Infinity : Number(out);
  } catch {
    return null;
  }
}

/** Why `sockets` descriptors in one process will not fit, or null when they will (node cannot raise the limit). */
export function fileLimitProblem(sockets: number): string | null {
  const limit = openFilesLimit();
  const needed = sockets + FD_HEADROOM;
  return limit !== null && limit < needed ? `ulimit -n is ${limit}, ${needed} needed: raise it in the shell that starts the bench` : null;
}
