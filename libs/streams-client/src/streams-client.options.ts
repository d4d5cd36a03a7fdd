import type { JoinRefusal, StreamsErrorPayload } from 'nest-realtime-streams-protocol';
import type { MutationQueueStore } from './mutations/mutation-queue.store';
import type { MutationOutcome } from './mutations/mutation.queue';
import type { ReconnectOptions } from './reconnect.backoff';
import type { IdExtractor } from './subscriptions/group.channel';
import type { WebSocketConstructor } from './runtime/websocket.types';

export interface StreamsClientOptions {
  /** The streams listener, e.g. `ws://localhost:3112/`. */
  url: string;
  /** WebSocket implementation; default `globalThis.WebSocket` (browsers, Node ≥ 22). In older Node pass `ws`. */
  WebSocket?: WebSocketConstructor;
  /**
   * Sub-protocols, e.g. `['Authorization', token]` for servers with an `authFunction`; a function is called
   * on every connection attempt, so a renewed token is used by the next one (see `retry()`).
   */
  protocols?: string | string[] | (() => string | string[]);
  /**
   * Returns a current token (e.g. from your auth library, renewing it when needed). Called before every
   * connection attempt — the token goes as the sub-protocols `['Authorization', token]`, replacing `protocols`
   * — and, when the server says the socket's authentication expires, again before it does: the new token is
   * sent as a `refresh` on the same socket, so subscriptions go on undisturbed. A token is never reused.
   */
  getToken?: () => string | Promise<string>;
  /** Backoff between reconnect attempts (merged over the defaults), or `false` to never reconnect. */
  reconnect?: Partial<ReconnectOptions> | false;
  /**
   * Keep reconnecting (with backoff) after the server refused the upgrade with HTTP 401, 403 or 404.
   * Default false: the client stops in state `refused` and waits for `retry()` (e.g. with a new token).
   */
  retryRefused?: boolean;
  /** Client mutations (`mutate()`): who this client is to the server's exactly-once ledger, and where its queue is kept. */
  mutations?: MutationsClientOptions;
}

export interface MutationsClientOptions {
  /**
   * This client's id (per tab or device); default: the store's, else a random UUID. An id must never start its
   * sequence again: give one only with a persistent store that keeps it (a fresh store needs a fresh id).
   */
  clientId?: string;
  /** Where pending mutations are kept; default in memory (a persistent store keeps an offline queue across reloads). */
  store?: MutationQueueStore;
}

export interface GroupSubscriptionOptions<T> {
  /**
   * Where the item id lives inside each value (a property name, or a function), default `id`. Needed
   * because the group sync carries bare values: store the item id in the value under this field.
   */
  idField?: string | IdExtractor<T>;
  /**
   * Receive the group's presence (`subscription.presence`, `on('presence')`): `true` for the members, `'count'`
   * for counts only. Whether this client is listed itself is the server's choice (its join handler).
   */
  presence?: true | 'count';
  /**
   * Ask for deltas (SPEC §9): an update costs bytes in proportion to the change, not to the item. The sync then
   * names each item's id, so `idField` is not needed and values without an id are kept.
   */
  deltas?: boolean;
}

export interface ItemSubscriptionOptions {
  /** Ask for deltas (SPEC §9): an update costs bytes in proportion to the change, not to the item. */
  deltas?: boolean;
}

/**
 * `connecting` → `open`; on loss `reconnecting` (waiting out the backoff) → `connecting` → …;
 * `refused` when the server refused the upgrade (HTTP 401/403/404, or its close 4001 saying why; until
 * `retry()`); `closed` after `close()`, or on loss when reconnecting is disabled.
 */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'refused' | 'closed';

/** A connection attempt that ended before the socket opened. */
export interface ConnectFailure {
  /**
   * The HTTP status the server answered the upgrade with (401 when it told the refusal by a close 4001); null
   * where it is not visible (browsers, Node's global WebSocket, against a server that cannot close with 4001).
   */
  status: number | null;
  /** Attempts that failed since the last connection that stayed open, this one included. */
  failures: number;
  /**
   * Why the server refused, when it said (close 4001): `code` `unauthorized`, `forbidden` (with the message of
   * the `UnauthorizedException` / `ForbiddenException` its auth function threw) or `auth_error`. Else null.
   */
  reason: JoinRefusal | null;
}

export interface StreamsClientEvents {
  state: ConnectionState;
  /** An error frame: the server refused a message (SPEC §7.2). */
  error: StreamsErrorPayload;
  /** A connection attempt failed before opening (refused, unreachable, ...): act on it, e.g. renew the token. */
  connectFailed: ConnectFailure;
  /** The number of pending mutations changed (`client.pendingMutations`), e.g. for a "saving…" indicator. */
  mutations: { pending: number };
  /** A mutation was answered for good: applied (`ok`) or refused, its optimistic change rolled back. */
  mutation: MutationOutcome;
}
