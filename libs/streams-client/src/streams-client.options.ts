import type { StreamsErrorPayload } from './protocol/wire.types';
import type { ReconnectOptions } from './reconnect.backoff';
import type { IdExtractor } from './subscriptions/group.channel';
import type { WebSocketConstructor } from './runtime/websocket.types';

export interface StreamsClientOptions {
  /** The streams listener, e.g. `ws://localhost:3112/`. */
  url: string;
  /** WebSocket implementation; default `globalThis.WebSocket` (browsers, Node ≥ 22). In older Node pass `ws`. */
  WebSocket?: WebSocketConstructor;
  /** Sub-protocols, e.g. `['Authorization', token]` for servers with an `authFunction`. */
  protocols?: string | string[];
  /** Backoff between reconnect attempts (merged over the defaults), or `false` to never reconnect. */
  reconnect?: Partial<ReconnectOptions> | false;
}

export interface GroupSubscriptionOptions<T> {
  /**
   * Where the item id lives inside each value (a property name, or a function), default `id`. Needed
   * because the group sync carries bare values: store the item id in the value under this field.
   */
  idField?: string | IdExtractor<T>;
}

/**
 * `connecting` → `open`; on loss `reconnecting` (waiting out the backoff) → `connecting` → …;
 * `closed` after `close()`, or on loss when reconnecting is disabled.
 */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface StreamsClientEvents {
  state: ConnectionState;
  /** An error frame: the server refused a message (SPEC §7.2). */
  error: StreamsErrorPayload;
}
