import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { LatencyHistogram } from '../stats/histogram';

/** Commit → client latency at a fixed rate: what the outbox and capture rows measure alike. */
export interface CommitLatency {
  writes: number;
  delivered: number;
  /** Frames that arrived before their writer saw the commit acknowledged (counted as 0 ms). */
  beforeAck: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface CommitLatencyRun {
  /** The app's listener port; one client joins `groups` groups of stream `bench` (`g0`, `g1`, …). */
  port: number;
  groups: number;
  rate: number;
  seconds: number;
  /** Which write a stream frame delivers, or null when it is not one. */
  writeOf(frame: { id?: string; event?: { type: string; event?: { data: unknown } } }): number | null;
  /** Commits write `n`; resolves once the writer sees the commit acknowledged. */
  commit(n: number): Promise<void>;
  /** How long to wait for the last frames after the last commit. */
  settleMs: number;
}

/**
 * Starts `rate × seconds` commits on a fixed schedule and times each from its commit acknowledgement to the
 * client receiving its frame; a frame that beats the acknowledgement (the server woke before the writer) is 0 ms.
 */
export async function measureCommitLatency(run: CommitLatencyRun): Promise<CommitLatency> {
  const socket = new WebSocket(`ws://127.0.0.1:${run.port}/`);
  await new Promise((resolve) => socket.once('open', resolve));
  const committedAt = new Map<number, number>();
  const early = new Set<number>();
  const histogram = new LatencyHistogram();
  let synced = 0;
  let beforeAck = 0;
  socket.on('message', (data) => {
    const now = performance.now();
    const frame = JSON.parse(data.toString()) as Parameters<CommitLatencyRun['writeOf']>[0];
    if (frame.event?.type === 'sync') synced++;
    const n = run.writeOf(frame);
    if (n === null) return;
    const at = committedAt.get(n);
    if (at === undefined) early.add(n);
    else histogram.record(now - at);
  });
  for (let g = 0; g < run.groups; g++) socket.send(JSON.stringify({ type: 'join', data: { subscriptionId: `g${g}`, streamName: 'bench', groupId: `g${g}` } }));
  while (synced < run.groups) await new Promise((r) => setTimeout(r, 5));

  const total = run.rate * run.seconds;
  const start = performance.now();
  const writes: Array<Promise<void>> = [];
  for (let n = 0; n < total; n++) {
    const wait = start + (n * 1000) / run.rate - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    writes.push(
      run.commit(n).then(() => {
        committedAt.set(n, performance.now());
        if (!early.has(n)) return;
        beforeAck++;
        histogram.record(0);
      }),
    );
  }
  await Promise.all(writes);
  const end = performance.now() + run.settleMs;
  while (histogram.count < total && performance.now() < end) await new Promise((r) => setTimeout(r, 20));
  socket.terminate();
  return { writes: total, delivered: histogram.count, beforeAck, p50Ms: histogram.percentile(0.5), p99Ms: histogram.percentile(0.99), maxMs: histogram.maxMs };
}
