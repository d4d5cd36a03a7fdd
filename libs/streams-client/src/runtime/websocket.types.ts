/**
 * The slice of the WebSocket API the client uses. Browsers' `WebSocket` and the `ws` package both satisfy
 * it, so the core needs neither DOM nor Node types.
 */

/** Handler properties are bivariant in their event (like DOM's own), so `ws`'s richer event types fit. */
type EventHandler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

export interface SocketMessageEvent {
  data: unknown;
}

export interface SocketCloseEvent {
  code: number;
  reason: string;
}

export interface WebSocketLike {
  readonly readyState: number;
  onopen: EventHandler<unknown> | null;
  onmessage: EventHandler<SocketMessageEvent> | null;
  onclose: EventHandler<SocketCloseEvent> | null;
  onerror: EventHandler<unknown> | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** `readyState` of an open socket (the same constant in every implementation). */
export const SOCKET_OPEN = 1;
