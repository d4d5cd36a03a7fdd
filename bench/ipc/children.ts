import type { ChildProcess } from 'node:child_process';

/** How long cleanup may take after Ctrl-C before the harness exits anyway. */
const CLEANUP_CAP_MS = 3_000;

/**
 * Every process the harness forks, so none outlives it: they are SIGKILLed when the harness exits, is
 * interrupted (Ctrl-C) or crashes. Children also exit on their own when the IPC channel drops.
 */
const live = new Set<ChildProcess>();
const cleanups = new Set<() => Promise<void>>();
let installed = false;

export function track(child: ChildProcess): void {
  install();
  live.add(child);
  child.once('exit', () => live.delete(child));
}

export function killAll(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

/** Work that must also happen when the run is interrupted (scratch files, Redis keys); returns its remover. */
export function onInterrupt(cleanup: () => Promise<void>): () => void {
  install();
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

function install(): void {
  if (installed) return;
  installed = true;
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAll();
      const cap = new Promise((resolve) => setTimeout(resolve, CLEANUP_CAP_MS).unref());
      void Promise.race([Promise.allSettled([...cleanups].map((cleanup) => cleanup())), cap]).then(() =>
        process.exit(signal === 'SIGINT' ? 130 : 143),
      );
    });
  }
}
