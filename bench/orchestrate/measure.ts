import type { ClientReport } from '../clients/client-api';
import { LatencyHistogram } from '../stats/histogram';
import type { Latency, Outcome } from '../model';

/** One row's deliveries as seen by every load process together. */
export function mergeReports(reports: ClientReport[]): { delivered: number; expected: number; lastAt: number; cpuUs: number; latency: Latency } {
  const histogram = new LatencyHistogram();
  for (const report of reports) histogram.merge(report.latency);
  return {
    delivered: sum(reports.map((r) => r.delivered)),
    expected: sum(reports.map((r) => r.expected)),
    lastAt: Math.max(0, ...reports.map((r) => r.lastAt)),
    cpuUs: sum(reports.map((r) => r.cpuUs)),
    latency: { p50: histogram.percentile(0.5), p99: histogram.percentile(0.99), max: histogram.maxMs },
  };
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** First line of an error, for a table cell. */
export function reasonOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}

export function failed(error: unknown): Outcome {
  return { status: 'failed', reason: reasonOf(error) };
}
