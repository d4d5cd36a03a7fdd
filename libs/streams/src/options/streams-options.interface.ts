import type { Registry } from 'prom-client';
import type { FileAdapterOptions } from '../adapters/file/file-adapter.options';
import type { RedisAdapterOptions } from '../adapters/redis/redis-adapter.options';

/** Input of `authFunction`, built once per WebSocket upgrade (SPEC §4.2). */
export interface StreamAuthInput {
  /** Request headers, lower-case names. */
  headers: Record<string, string>;
  path: string;
  /** Query parameters, name → every value (not percent-decoded, as in iii). */
  query_params: Record<string, string[]>;
  /** Client address as `ip:port`. */
  addr: string;
}

/** Return `{ context }` to accept (context is handed to join/leave handlers); throw or return `false` to refuse with 401. */
export type StreamAuthFunction<C = unknown> = (
  input: StreamAuthInput,
) => { context?: C } | false | null | undefined | Promise<{ context?: C } | false | null | undefined>;

export interface MemoryAdapterOptions {
  type: 'memory';
}

export type { FileAdapterOptions, RedisAdapterOptions };

export type StreamsAdapterOptions = MemoryAdapterOptions | FileAdapterOptions | RedisAdapterOptions;

export interface StreamsModuleOptions {
  /** WebSocket listener port; 0 picks a free one (tests). Default 3112. */
  port?: number;
  /** Listener host. Default `0.0.0.0`. */
  host?: string;
  /** Storage and fan-out backend. Default `{ type: 'memory' }`. */
  adapter?: StreamsAdapterOptions;
  /** Runs once per upgrade; may refuse the connection (401). */
  authFunction?: StreamAuthFunction;
  /** Largest accepted client frame in bytes; larger ones close the socket with 1009. Default 1 MiB. */
  maxPayloadBytes?: number;
  /** Subscriptions one socket may hold; a join past it gets an error frame. Default 1000. */
  maxSubscriptionsPerSocket?: number;
  /** Open sockets the listener accepts; past it the upgrade gets HTTP 503. Default 100000. */
  maxConnections?: number;
  /** Interval of server pings that find dead peers, in ms; 0 disables. Default 30000. */
  heartbeatIntervalMs?: number;
  /** Time a client has to send its complete upgrade request, and `authFunction` has to answer, in ms. Default 10000. */
  handshakeTimeoutMs?: number;
  /** Send-buffer bound per socket: past it frames wait and coalesce per item; once the waiting frames exceed it too, the socket is closed with 4008. Default 4 MiB. */
  maxBufferedBytes?: number;
  /** Registry to put the `streams_*` Prometheus metrics in (e.g. prom-client's global `register`); default: the module's own. */
  metricsRegistry?: Registry;
  /** Recent events kept per group for resume: `size` events (default 1000) no older than `ttlMs` (default 5 min). */
  history?: { size?: number; ttlMs?: number };
}

/** Options after defaults and validation: what every internal part reads. */
export interface ResolvedStreamsOptions {
  port: number;
  host: string;
  adapter: StreamsAdapterOptions;
  authFunction: StreamAuthFunction | null;
  maxPayloadBytes: number;
  maxSubscriptionsPerSocket: number;
  maxConnections: number;
  heartbeatIntervalMs: number;
  handshakeTimeoutMs: number;
  maxBufferedBytes: number;
  history: { size: number; ttlMs: number };
  metricsRegistry: Registry | null;
}
