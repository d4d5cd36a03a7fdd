import { LatencyHistogram } from '../stats/histogram';
import { now, padding, type BenchPayload } from '../wire';
import type { WriteArgs, WriteResult } from './server-api';

/** Items the writes rotate over: updates hit existing items, as they do in live groups. */
export const ITEMS = 1000;
/**
 * Groups those items live in (item n in group n % GROUPS): a group's clock sustains ~1,000 events/s
 * (docs/reference/protocol.md, "Timestamps"), so write throughput is a many-groups figure, as in a real app.
 */
const GROUPS = 100;

/** `concurrency` workers each await one write after another until `maxWrites` or `maxMs` is reached. */
export async function runWrites(args: WriteArgs, writeOne: (group: string, item: string, payload: BenchPayload) => Promise<unknown>): Promise<WriteResult> {
  const pad = padding(args.size);
  const latency = new LatencyHistogram();
  const start = now();
  const deadline = start + args.maxMs;
  let issued = 0;
  const worker = async (): Promise<void> => {
    while (issued < args.maxWrites && now() < deadline) {
      const n = issued++ % ITEMS;
      const sentAt = now();
      await writeOne(`w${n % GROUPS}`, `i${n}`, { bt: sentAt, p: pad });
      latency.record(now() - sentAt);
    }
  };
  await Promise.all(Array.from({ length: args.concurrency }, worker));
  return { writes: latency.count, ms: now() - start, latency: latency.snapshot() };
}
