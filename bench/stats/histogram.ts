/** Log-scale buckets 1 % wide, from 1 µs to beyond 10 minutes: percentiles within 1 %, a few KiB per process. */
const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);
const BUCKETS = 2100;

/** What a load process sends back: the non-empty buckets only. */
export interface HistogramSnapshot {
  buckets: Array<[index: number, count: number]>;
  count: number;
  maxMs: number;
}

/**
 * Latency distribution of every delivery, mergeable across load processes (percentiles of a whole row
 * cannot be averaged from per-process percentiles).
 */
export class LatencyHistogram {
  private readonly counts = new Uint32Array(BUCKETS);
  count = 0;
  maxMs = 0;

  record(ms: number): void {
    const us = ms * 1000;
    const index = us < 1 ? 0 : Math.min(BUCKETS - 1, 1 + Math.floor(Math.log(us) / LOG_GROWTH));
    this.counts[index]++;
    this.count++;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  merge(snapshot: HistogramSnapshot): void {
    for (const [index, count] of snapshot.buckets) this.counts[index] += count;
    this.count += snapshot.count;
    this.maxMs = Math.max(this.maxMs, snapshot.maxMs);
  }

  /** The latency (ms) under which `fraction` of deliveries fall; the bucket's geometric middle. */
  percentile(fraction: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.ceil(fraction * this.count);
    let seen = 0;
    for (let index = 0; index < BUCKETS; index++) {
      seen += this.counts[index];
      if (seen >= rank) return index === 0 ? 0 : Math.min(this.maxMs, GROWTH ** (index - 0.5) / 1000);
    }
    return this.maxMs;
  }

  snapshot(): HistogramSnapshot {
    const buckets: Array<[number, number]> = [];
    this.counts.forEach((count, index) => count > 0 && buckets.push([index, count]));
    return { buckets, count: this.count, maxMs: this.maxMs };
  }
}
