import type { ClientMessage, StreamFrame } from 'nest-realtime-streams-protocol';
import type { SocketCloseEvent, SocketMessageEvent, WebSocketConstructor, WebSocketLike } from '../runtime/websocket.types';

/** An in-memory WebSocket a test drives by hand: open it, push frames into it, drop it. */
export class FakeWebSocket implements WebSocketLike {
  readyState = 0;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: SocketMessageEvent) => void) | null = null;
  onclose: ((event: SocketCloseEvent) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  /** Messages the client sent, parsed. */
  readonly sent: ClientMessage[] = [];
  closedWith: { code?: number; reason?: string } | null = null;

  constructor(
    readonly url: string,
    readonly protocols?: string | string[],
  ) {}

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('send on a socket that is not open');
    this.sent.push(JSON.parse(data) as ClientMessage);
  }

  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason };
    this.readyState = 3;
  }

  /** The server accepts the connection. */
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  /** The server sends a frame (objects are JSON-encoded, strings sent verbatim). */
  push(frame: Partial<StreamFrame> | Record<string, unknown> | string): void {
    this.onmessage?.({ data: typeof frame === 'string' ? frame : JSON.stringify(frame) });
  }

  /** The server refuses the upgrade with an HTTP status, as Node's `ws` reports it: an error naming it, then a close. */
  refuse(status: number): void {
    this.readyState = 3;
    this.onerror?.({ message: `Unexpected server response: ${status}` });
    this.onclose?.({ code: 1006, reason: '' });
  }

  /** The server refuses the upgrade by accepting it and closing at once with 4001 and its reason (`?refusal=close`). */
  refuseByClose(reason: string): void {
    this.open();
    this.readyState = 3;
    this.onclose?.({ code: 4001, reason });
  }

  /** The connection fails or breaks, as seen by the client: an error, then a close. */
  drop(code = 1006): void {
    this.readyState = 3;
    this.onerror?.({});
    this.onclose?.({ code, reason: '' });
  }
}

/** A WebSocket constructor that records every socket it creates. */
export function fakeWebSockets(): { WebSocket: WebSocketConstructor; sockets: FakeWebSocket[]; last: () => FakeWebSocket } {
  const sockets: FakeWebSocket[] = [];
  class RecordedWebSocket extends FakeWebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      sockets.push(this);
    }
  }
  return { WebSocket: RecordedWebSocket, sockets, last: () => sockets[sockets.length - 1] };
}

let clock = 1_000;

/** A stream frame with a fresh, increasing timestamp unless one is given. */
export function streamFrame(frame: Pick<StreamFrame, 'streamName' | 'groupId' | 'event'> & Partial<StreamFrame>): StreamFrame {
  return { type: 'stream', timestamp: ++clock, id: null, ...frame };
}
