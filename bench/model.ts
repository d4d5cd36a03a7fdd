import type { WriteOp, PublishOp } from './servers/server-api';

/** Servers under test. `-x2`: two server processes sharing Redis, clients split across them, the writer on the first. */
export type ServerName = 'ws' | 'streams-memory' | 'streams-memory-w10' | 'streams-redis-x2' | 'socketio' | 'socketio-redis-x2';
export type AdapterType = 'memory' | 'file' | 'redis';
/** `burst`: BURST messages back to back, BURSTS_PER_S times a second (a dashboard updating many items at once). */
export type RateMode = 'max' | 'paced' | 'burst';

export interface FanoutRow {
  kind: 'fanout';
  label: string;
  server: ServerName;
  op: PublishOp;
  clients: number;
  size: number;
  rateMode: RateMode;
  /** Messages per second when paced, bursts per second when bursty, null at max rate. */
  rate: number | null;
  /** Messages per burst (bursty rows), else null. */
  burst: number | null;
  messages: number;
}

export interface WriteRow {
  kind: 'write';
  label: string;
  adapter: AdapterType;
  op: WriteOp;
  concurrency: number;
  maxWrites: number;
  maxMs: number;
}

export interface CapacityRow {
  kind: 'capacity';
  label: string;
  server: 'ws' | 'streams-memory';
  connections: number;
}

export type Row = FanoutRow | WriteRow | CapacityRow;

/** `skipped`: could not run here (adapter not built yet, no Redis, file limit); `failed`: ran and broke. */
export type Outcome = { status: 'ok' } | { status: 'skipped' | 'failed'; reason: string };

export interface Latency {
  p50: number;
  p99: number;
  max: number;
}

export interface MemoryPerConnection {
  /** KiB of V8 heap + external memory per connection, after a full GC. */
  heapKiB: number;
  /** KiB of resident memory per connection (noisier: includes heap headroom). */
  rssKiB: number;
}

export interface FanoutMeasure {
  delivered: number;
  expected: number;
  /** First publish → last delivery, ms. */
  wallMs: number;
  /** First publish → last publish, ms. */
  publishMs: number;
  msgsPerSec: number;
  latencyMs: Latency;
  serverCpuUsPerDelivery: number;
  /** TCP writes (syscall attempts) of the server process(es) ÷ deliveries; absent in runs before it was counted. */
  serverWritesPerDelivery?: number;
  clientCpuUsPerDelivery: number;
  memory: MemoryPerConnection;
}

/**
 * `rounds`: one measure per round (the rows of a client count run round after round, each round every
 * server once, so a row and its baseline are always seconds apart). `measure`: the per-field median of the
 * rounds, except `delivered` and `expected`, which are totals.
 */
export type FanoutResult = { row: FanoutRow } & Outcome & { measure?: FanoutMeasure; rounds?: FanoutMeasure[] };

export interface WriteMeasure {
  writes: number;
  writesPerSec: number;
  latencyMs: Latency;
  cpuUsPerWrite: number;
}

/** `rounds`: one measure per round (every row of the adapter once per round); `measure`: their per-field median. */
export type WriteResult = { row: WriteRow } & Outcome & { measure?: WriteMeasure; rounds?: WriteMeasure[] };

export interface CapacityMeasure {
  connected: number;
  connectMs: number;
  memory: MemoryPerConnection;
  /** One message to every held socket: proof they are all live. */
  delivered: number;
}

export type CapacityResult = { row: CapacityRow } & Outcome & { measure?: CapacityMeasure };

export interface MachineFacts {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
  openFilesLimit: number | null;
  loadAverageAtStart: number[];
}

export interface BenchReport {
  startedAt: string;
  mode: string;
  /** Rounds of every fan-out row (see FanoutResult); the write rows run `writeRounds` (absent in earlier runs: 1). */
  rounds: number;
  writeRounds?: number;
  durationS: number;
  machine: MachineFacts;
  fanout: FanoutResult[];
  writes: WriteResult[];
  capacity: CapacityResult[];
}
