import type { Registry } from 'prom-client';
import type { FileAdapterOptions } from '../adapters/file/file-adapter.options';
import type { RedisAdapterOptions, RedisPresenceOptions } from '../adapters/redis/redis-adapter.options';
import type { StreamsPresenceOptions } from '../presence/presence.types';

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
 * a new token, or the socket is closed with 4401 (docs/reference/protocol.md, "Live re-authentication").
 */
export type StreamAuthResult<C = unknown> = { context: C; expiresAt?: number | Date } | false | null | undefined;

export interface MemoryAdapterOptions {
  type: 'memory';
}

export type { FileAdapterOptions, RedisAdapterOptions, RedisPresenceOptions, StreamsPresenceOptions };

export type StreamsAdapterOptions = MemoryAdapterOptions | FileAdapterOptions | RedisAdapterOptions;

/** Per-listener and per-socket budgets (read by the transport and the session). */
export interface StreamsLimitsOptions {
  /**
   * Open sockets plus handshakes in progress the listener accepts; past it an upgrade gets HTTP 503 before
   * `authFunction` runs. Default 100000.
   */
  connections?: number;
  /** Largest accepted client frame in bytes; larger ones close the socket with 1009. Default 1 MiB. */
  payloadBytes?: number;
  /** Send-buffer bound per socket: past it frames wait and coalesce per item; once the waiting frames exceed half of it, the socket is closed with 4008 (a socket holds at most 1.5 × this). Default 4 MiB. */
  bufferedBytes?: number;
  /** Subscriptions one socket may hold; a join past it gets an error frame. Default 1000. */
  subscriptionsPerSocket?: number;
  /**
   * Client messages one socket may have waiting to be handled (they run one at a time). At this many, or
   * once they hold `payloadBytes`, the server stops reading the socket until they are handled, so a flood
   * waits in the client's and kernel's buffers; a socket's waiting messages are dropped when it closes. Default 64.
   */
  queuedMessagesPerSocket?: number;
  /**
   * Joins one socket may make per second once it has spent its burst (`subscriptionsPerSocket` plus this);
   * a join replacing a live subscription id counts too. A join past it gets a `join_rate_limited` error
   * frame. Fractions allowed. Default 100.
   */
  joinsPerSecond?: number;
  /**
   * `refresh` frames one socket may send per second after a burst of 3 (fractions allowed: 0.2 is one every
   * 5 s); past it they get `refresh_rate_limited`. Default 0.2.
   */
  refreshesPerSecond?: number;
}

/** Time bounds of the listener. */
export interface StreamsTimeoutsOptions {
  /** Time a client has to send its complete upgrade request, and `authFunction` has to answer (also on `refresh`), in ms. Default 10000. */
  handshakeMs?: number;
  /** Interval of server pings that find dead peers, in ms; 0 disables. Default 30000. */
  heartbeatIntervalMs?: number;
}

/** How frames leave for the sockets (transport tuning). */
export interface StreamsWritesOptions {
  /**
   * Write window, in ms. The frames a socket gets in one event-loop turn always leave in one write (one
   * syscall). With a window, while frames keep coming (a turn's first frame within `delayMs` of the
   * previous flush), the flush waits `delayMs` after the end of the turn, so the frames of the next
   * turns join it: a frame waits at most the rest of its turn plus the window; after a quiet spell nothing
   * waits. To put several messages in one write the window must outlast one message's fan-out (~1-2 µs per
   * socket: 10 ms at 5,000 sockets, docs/reference/benchmarks.md). Default 0 (no added latency).
   */
  delayMs?: number;
  /**
   * Fan-out frames are framed once per event and written straight to each TCP socket (batched, see
   * `delayMs`). `false` sends every frame through ws's own `send()` (ws frames it per socket, one write per
   * frame, no batching): a switch for a ws version whose internals changed. It also degrades to that by
   * itself when the start-up probe finds no framing helper or no TCP socket. Default true.
   */
  fastPath?: boolean;
}

/** Policy for the app's join and leave handlers. */
export interface StreamsHandlersOptions {
  /**
   * When a join handler throws something other than `ForbiddenException`/`UnauthorizedException` (a
   * database timing out, a TypeError), the join is denied (`unauthorized`) unless this is `true`, which
   * restores iii's permissive behaviour (the error is logged and the join goes on). Default false.
   */
  allowJoinOnError?: boolean;
}

/** Recent events kept per group for resume. */
export interface StreamsHistoryOptions {
  /** Most recent events kept per group; 0 keeps none (a resume then always re-syncs). Default 1000. */
  size?: number;
  /** Events older than this are dropped, in ms. Default 300000 (5 min). */
  maxAgeMs?: number;
}

/** Where the `streams_*` Prometheus metrics go. */
export interface StreamsMetricsOptions {
  /** Registry to put them in (e.g. prom-client's global `register`); default: the module's own. */
  registry?: Registry;
}

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
  /** Per-listener and per-socket budgets; see StreamsLimitsOptions. */
  limits?: StreamsLimitsOptions;
  /** Handshake and heartbeat; see StreamsTimeoutsOptions. */
  timeouts?: StreamsTimeoutsOptions;
  /** Write window and fast path; see StreamsWritesOptions. */
  writes?: StreamsWritesOptions;
  /** Join handler policy; see StreamsHandlersOptions. */
  handlers?: StreamsHandlersOptions;
  /** Recent events kept per group for resume; see StreamsHistoryOptions. */
  history?: StreamsHistoryOptions;
  /** Idempotency keys (`idempotency_key` on writes and sends); see StreamsIdempotencyOptions. */
  idempotency?: StreamsIdempotencyOptions;
  /** Presence bounds; see StreamsPresenceOptions (the Redis-only timings are under `adapter.presence`). */
  presence?: StreamsPresenceOptions;
  /** Prometheus registry; see StreamsMetricsOptions. */
  metrics?: StreamsMetricsOptions;
  /** Client mutations (`@OnStreamMutation`): per-socket bounds and the exactly-once ledger; see StreamsMutationsOptions. */
  mutations?: StreamsMutationsOptions;
}

/** Bounds of client mutations (docs/security.md, "Mutations"). */
export interface StreamsMutationsOptions {
  /** Mutations one socket may have waiting or running; past it the server stops reading the socket until one ends. Default 32. */
  inFlightPerSocket?: number;
  /**
   * Mutations one socket may start per second after a burst of `inFlightPerSocket` plus this (a reconnecting client
   * drains its offline queue at this pace); faster ones wait their turn, fractions allowed. Default 100.
   */
  perSecond?: number;
  /** Largest `args` (JSON bytes); larger ones are refused with `invalid_args`. Default 65536. */
  argsBytes?: number;
  /** Clients the in-process ledger remembers (memory and file adapters); the least recently seen is forgotten first. Default 100000. */
  ledgerSize?: number;
  /** A client's ledger record (last mutation id and answer) is forgotten this long after its last mutation, in ms. Default 86400000 (24 h). */
  ledgerTtlMs?: number;
  /** How long an instance's claim on a mutation it is applying holds before another may take it over, in ms (longer than any handler runs). Default 30000. */
  leaseMs?: number;
}

/** How long and how many results of keyed writes are kept (docs/reference/security.md, "Idempotency records"). */
export interface StreamsIdempotencyOptions {
  /** A retry within this many ms of the first call gets its result; later it applies again. Default 300000 (5 min). */
  ttlMs?: number;
  /** Records one (stream, group) keeps; past it the oldest is dropped (a retry of it then applies again). Default 10000. */
  maxKeysPerGroup?: number;
  /** Records the memory and file adapters keep in total, oldest dropped first (Redis: per group only, keys expire). Default 100000. */
  maxKeys?: number;
}

/** Redis adapter options with its presence timings resolved. */
export type ResolvedAdapterOptions = MemoryAdapterOptions | FileAdapterOptions | (RedisAdapterOptions & { presence: Required<RedisPresenceOptions> });

/**
 * Options after defaults and validation: what every internal part reads, each group handed to its owner
 * (the transport reads `limits`, `timeouts` and `writes`; the session `limits`, `timeouts` and `handlers`;
 * presence `presence`; the adapters `adapter`, `history` and `idempotency`; the metrics `metrics`).
 */
export interface ResolvedStreamsOptions {
  /** The path prefix on the app's server, or null for the own port. */
  attach: { path: string } | null;
  port: number;
  host: string;
  adapter: ResolvedAdapterOptions;
  authFunction: StreamAuthFunction | null;
  limits: Required<StreamsLimitsOptions>;
  timeouts: Required<StreamsTimeoutsOptions>;
  writes: Required<StreamsWritesOptions>;
  handlers: Required<StreamsHandlersOptions>;
  history: Required<StreamsHistoryOptions>;
  idempotency: Required<StreamsIdempotencyOptions>;
  presence: Required<StreamsPresenceOptions>;
  metrics: { registry: Registry | null };
  mutations: Required<StreamsMutationsOptions>;
}
