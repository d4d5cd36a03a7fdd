import { performance } from 'node:perf_hooks';

/** What servers and load clients agree on: where the fan-out goes and how a payload carries its send time. */
export const BENCH_STREAM = 'bench';
export const BENCH_GROUP = 'g';
/** Custom event type of `send`, and the socket.io event name. */
export const BENCH_EVENT = 'bench';
/** Key of the send timestamp in every payload; clients find it without parsing the whole frame. */
export const STAMP_KEY = 'bt';

/** The application data of one published message: its send time and padding up to the row's size. */
export interface BenchPayload {
  bt: number;
  p: string;
}

/** Epoch milliseconds with sub-millisecond precision; every process reads the same machine clock. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

/** Padding that makes `JSON.stringify({bt, p})` `size` bytes long (±2 bytes, depending on the stamp's digits). */
export function padding(size: number): string {
  const overhead = JSON.stringify({ [STAMP_KEY]: now(), p: '' } satisfies BenchPayload).length;
  return 'x'.repeat(Math.max(0, size - overhead));
}
