import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** This process's heap in use after full collections (gc exposed at run time, so Jest needs no flag). */
export function settledHeap(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}
