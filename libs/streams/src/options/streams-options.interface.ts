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
  /**
   * Set only when the function runs again for a live socket's `refresh` frame (extension): the new token it
   * sent, and the context the socket holds now. The other fields are those of the socket's upgrade.
   */
  refresh?: { token: string; context: unknown };
}

/**
 * Return `{ context }` to accept (the context, which may be `null` or `undefined`, is handed to join/leave
 * handlers). Anything else — `false`, `null`, `undefined`, `{}`, a throw — refuses the upgrade with HTTP
 * 401 (fail closed: `return user && { context: user }` with no user refuses).
 */
export type StreamAuthFunction<C = unknown> = (input: StreamAuthInput) => StreamAuthResult<C> | Promise<StreamAuthResult<C>>;

/**
 * What an auth function may return: only an object with an own `context` property accepts. `expiresAt`
 * (epoch ms or a Date) makes the authentication end then: before it, the client sends a `refresh` frame with
 * a new token, or the socket is closed with 4401 (docs/protocol.md, "Live re-authentication").
 */
export type StreamAuthResult<C = unknown> = { context: C; expiresAt?: number | Date } | false | null | undefined;

/** Presence bounds and timings (docs/protocol.md, "Presence"). */
export interface StreamsPresenceOptions {
  /** Members one group may hold (on Redis: entries, one per member and instance); a join past it is seated as a watcher only. Default 100000. */
  maxMembersPerGroup?: number;
  /** Past this many members a group's watchers get counts only (no list, no join/leave events). Default 1000. */
  maxListedMembers?: number;
  /** Presence `state` updates one socket may send per second (a burst of as many). Default 20. */
  maxUpdatesPerSecond?: number;
  /** Largest `state` of a member, in bytes of JSON. Default 4096. */
  maxStateBytes?: number;
  /**
   * Presence frames of one group, in bytes per second each watcher gets on average: changes are coalesced
   * (at most one frame per 50 ms), and a frame of B bytes delays the group's next by B / this. Default 65536.
   */
  maxBytesPerSecond?: number;
  /** Redis: an instance's entries expire this long after it stopped refreshing them (it refreshes every third of it). Default 15000. */
  ttlMs?: number;
  /**
   * Redis: the interval of the consistency sweep, which checks the version of the groups this instance
   * watches (at most 1,000 per sweep) to repair a change whose message was lost. Changes themselves arrive
   * as messages, not by polling. Default 20000.
   */
  pollMs?: number;
}

export interface MemoryAdapterOptions {
  type: 'memory';
}

export type { FileAdapterOptions, RedisAdapterOptions };

export type StreamsAdapterOptions = MemoryAdapterOptions | FileAdapterOptions | RedisAdapterOptions;

export interface StreamsModuleOptions {
  /**
   * Attach the listener to the host app's HTTP(S) server under `path` (its port and TLS) instead of its own
   * port; `port`/`host` are then refused. Endpoints: `<path>` and `<path>/stream/{name}/{group}[/{item}]`.
   */
  attach?: { path: string };
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
  /**
   * Open sockets plus handshakes in progress the listener accepts; past it an upgrade gets HTTP 503 before
   * `authFunction` runs. Default 100000.
   */
  maxConnections?: number;
  /** Interval of server pings that find dead peers, in ms; 0 disables. Default 30000. */
  heartbeatIntervalMs?: number;
  /** Time a client has to send its complete upgrade request, and `authFunction` has to answer, in ms. Default 10000. */
  handshakeTimeoutMs?: number;
  /** Send-buffer bound per socket: past it frames wait and coalesce per item; once the waiting frames exceed half of it, the socket is closed with 4008 (a socket holds at most 1.5 × this). Default 4 MiB. */
  maxBufferedBytes?: number;
  /**
   * Client messages one socket may have waiting to be handled (they run one at a time). At this many, or
   * once they hold `maxPayloadBytes`, the server stops reading the socket until they are handled, so a flood
   * waits in the client's and kernel's buffers; a socket's waiting messages are dropped when it closes. Default 64.
   */
  maxQueuedMessagesPerSocket?: number;
  /**
   * Joins one socket may make per second once it has spent its burst (`maxSubscriptionsPerSocket` plus this);
   * a join replacing a live subscription id counts too. A join past it gets a `join_rate_limited` error frame. Default 100.
   */
  maxJoinsPerSecond?: number;
  /**
   * When a join handler throws something other than `ForbiddenException`/`UnauthorizedException` (a
   * database timing out, a TypeError), the join is denied (`unauthorized`) unless this is `true`, which
   * restores iii's permissive behaviour (the error is logged and the join goes on). Default false.
   */
  allowJoinOnHandlerError?: boolean;
  /**
   * Write window, in ms. The frames a socket gets in one event-loop turn always leave in one write (one
   * syscall). With a window, while frames keep coming (a turn's first frame within `writeDelayMs` of the
   * previous flush), the flush waits `writeDelayMs` after the end of the turn, so the frames of the next
   * turns join it: a frame waits at most the rest of its turn plus the window; after a quiet spell nothing
   * waits. To put several messages in one write the window must outlast one message's fan-out (~1-2 µs per
   * socket: 10 ms at 5,000 sockets, docs/benchmarks.md). Default 0 (no added latency).
   */
  writeDelayMs?: number;
  /**
   * Fan-out frames are framed once per event and written straight to each TCP socket (batched, see
   * `writeDelayMs`). `false` sends every frame through ws's own `send()` (ws frames it per socket, one
   * write per frame, no batching): a switch for a ws version whose internals changed. It also degrades to
   * that by itself when the start-up probe finds no framing helper or no TCP socket. Default true.
   */
  writeFastPath?: boolean;
  /** Presence bounds and timings; see StreamsPresenceOptions. */
  presence?: StreamsPresenceOptions;
  /** `refresh` frames one socket may send per minute (after a burst of 3); past it they get `refresh_rate_limited`. Default 10. */
  maxRefreshesPerMinute?: number;
  /** Registry to put the `streams_*` Prometheus metrics in (e.g. prom-client's global `register`); default: the module's own. */
  metricsRegistry?: Registry;
  /** Recent events kept per group for resume: `size` events (default 1000) no older than `ttlMs` (default 5 min). */
  history?: { size?: number; ttlMs?: number };
  /** Idempotency keys (`idempotency_key` on writes and sends); see StreamsIdempotencyOptions. */
  idempotency?: StreamsIdempotencyOptions;
}

/** How long and how many results of keyed writes are kept (docs/security.md, "Idempotency records"). */
export interface StreamsIdempotencyOptions {
  /** A retry within this many ms of the first call gets its result; later it applies again. Default 300000 (5 min). */
  ttlMs?: number;
  /** Records one (stream, group) keeps; past it the oldest is dropped (a retry of it then applies again). Default 10000. */
  maxKeysPerGroup?: number;
  /** Records the memory and file adapters keep in total, oldest dropped first (Redis: per group only, keys expire). Default 100000. */
  maxKeys?: number;
}

/** Options after defaults and validation: what every internal part reads. */
export interface ResolvedStreamsOptions {
  /** The path prefix on the app's server, or null for the own port. */
  attach: { path: string } | null;
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
  maxQueuedMessagesPerSocket: number;
  maxJoinsPerSecond: number;
  allowJoinOnHandlerError: boolean;
  maxRefreshesPerMinute: number;
  writeDelayMs: number;
  writeFastPath: boolean;
  presence: Required<StreamsPresenceOptions>;
  history: { size: number; ttlMs: number };
  idempotency: Required<StreamsIdempotencyOptions>;
  metricsRegistry: Registry | null;
}
