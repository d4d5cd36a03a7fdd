import type { StreamsAdapterOptions } from 'nest-realtime-streams';
import type { HistogramSnapshot } from '../stats/histogram';

/** How a server process is built (passed as its one argv argument, JSON). */
export type ServerConfig =
  | { kind: 'ws' }
  | { kind: 'streams'; adapter: StreamsAdapterOptions; writeDelayMs?: number }
  | { kind: 'socketio'; redis: { url: string; key: string } | null };

/**
 * `send` and `set` go through StreamsService; `broadcast` is the comparison servers' one way to fan out
 * (plain ws: one string to a set of sockets; socket.io: `io.to(room).emit`).
 */
export type PublishOp = 'send' | 'set' | 'broadcast';

export interface PublishArgs {
  op: PublishOp;
  count: number;
  /** Payload bytes (the JSON of `{bt, p}`). */
  size: number;
  /** Messages (or bursts, see `burst`) per second; null = back to back, yielding to the event loop between messages. */
  rate: number | null;
  /** Messages published back to back, without yielding, at each tick of `rate`; null = one message per tick. */
  burst: number | null;
}

/** Epoch ms of the first and last publish call. */
export interface PublishResult {
  firstAt: number;
  lastAt: number;
}

/**
 * `set-if-version`: a `set` conditioned on the item's version from its previous write (kept by the writer,
 * so no extra read: the cost of the check itself, as in a read-modify-write loop that already holds the
 * version). `set-keyed`: a `set` with a fresh `idempotency_key` (a record stored per write).
 */
export type WriteOp = 'set' | 'set-if-version' | 'set-keyed' | 'update';

export interface WriteArgs {
  op: WriteOp;
  /** Writes in flight at once (each worker awaits its write before the next). */
  concurrency: number;
  maxWrites: number;
  maxMs: number;
  size: number;
}

export interface WriteResult {
  writes: number;
  ms: number;
  latency: HistogramSnapshot;
}

export interface MemorySample {
  rss: number;
  /** V8 heap in use plus memory outside it held by JS objects (Buffers): what connections cost the process. */
  heapAndExternal: number;
}

/** The commands of a server process (see server.main.ts). */
export type ServerApi = {
  start(): Promise<{ port: number }>;
  /** Starts a CPU measurement window. */
  mark(): void;
  /** CPU used (user + system, µs) and TCP writes made since `mark`. */
  measure(): { cpuUs: number; writes: number };
  /** Memory after a full GC. */
  memory(): MemorySample;
  publish(args: PublishArgs): Promise<PublishResult>;
  write(args: WriteArgs): Promise<WriteResult>;
};
