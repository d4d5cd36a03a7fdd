import type { HistogramSnapshot } from '../stats/histogram';

/** Protocol a load process speaks: bare ws, this module's join/sync over ws, or socket.io. */
export type ClientKind = 'ws' | 'streams' | 'socketio';

export interface ConnectArgs {
  /** Name of this group of sockets (one per server under test; several servers' sockets are held at once). */
  set: string;
  kind: ClientKind;
  /** Sockets are spread round-robin over these (one URL per server process). */
  urls: string[];
  count: number;
}

/** One load process's view of one row. */
export interface ClientReport {
  delivered: number;
  expected: number;
  /** Epoch ms of the last delivery (0 if none). */
  lastAt: number;
  latency: HistogramSnapshot;
  /** CPU this load process used during the row (µs). */
  cpuUs: number;
}

/** The commands of a load process (see client.main.ts). */
export type ClientApi = {
  /** Opens `count` sockets, each joined to the bench group and ready to receive; resolves with how many. */
  connect(args: ConnectArgs): Promise<{ sockets: number }>;
  /** Resets the counters; the row expects `perSocket` deliveries on each socket of `set` in this process. */
  arm(args: { set: string; perSocket: number }): void;
  /** Resolves once every expected delivery arrived, or after `idleMs` without one. */
  wait(args: { idleMs: number }): Promise<ClientReport>;
  /** Closes every socket of every set. */
  disconnect(): Promise<void>;
};
