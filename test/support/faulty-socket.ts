import WebSocket from 'ws';
import type { WebSocketConstructor } from 'nest-realtime-streams-client';

type WebSocketLike = InstanceType<WebSocketConstructor>;

/** What the faulty sockets counted of the stream frames they handed to the client. */
export interface FrameTally {
  /** Item frames by kind: `delta` (a delta frame: an update carrying ops or a patch), `full` (any stream frame). */
  delta: number;
  full: number;
  dropped: number;
  duplicated: number;
  /** Bytes of every stream frame received, delta or full. */
  bytes: number;
}

/**
 * A `ws` WebSocket for the typed client whose incoming stream frames a test can drop or duplicate (a lossy or
 * replaying hop between server and client), and whose current socket it can cut. Counts what went through.
 */
export class FaultySockets {
  /** The next stream frame about this item is lost (null: none). */
  dropItem: string | null = null;
  /** Stream frames still to deliver twice, taken from the next frames that arrive. */
  duplicate = 0;
  readonly tally: FrameTally = { delta: 0, full: 0, dropped: 0, duplicated: 0, bytes: 0 };
  private current: WebSocket | null = null;
  readonly WebSocket: WebSocketConstructor;

  constructor() {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const faults = this;
    /** Forwards to a real `ws` socket; only `onmessage` goes through the faults. */
    class Faulty implements WebSocketLike {
      private readonly socket: WebSocket;
      constructor(url: string, protocols?: string | string[]) {
        this.socket = faults.current = new WebSocket(url, protocols);
      }
      get readyState(): number {
        return this.socket.readyState;
      }
      set onopen(handler: WebSocketLike['onopen']) {
        this.socket.onopen = handler;
      }
      set onclose(handler: WebSocketLike['onclose']) {
        this.socket.onclose = handler;
      }
      set onerror(handler: WebSocketLike['onerror']) {
        this.socket.onerror = handler;
      }
      set onmessage(handler: WebSocketLike['onmessage']) {
        this.socket.onmessage = handler && ((event) => faults.pass(event, handler));
      }
      send(data: string): void {
        this.socket.send(data);
      }
      close(code?: number, reason?: string): void {
        this.socket.close(code, reason);
      }
    }
    this.WebSocket = Faulty as unknown as WebSocketConstructor;
  }

  /** Cuts the client's connection as a network failure would (the client reconnects and resumes). */
  cut(): void {
    this.current?.terminate();
  }

  private pass(event: { data: unknown }, handler: (event: { data: unknown }) => void): void {
    const text = String(event.data);
    const delta = text.startsWith('{"type":"delta"');
    if (!delta && !text.startsWith('{"type":"stream"')) return handler(event);
    this.tally.bytes += Buffer.byteLength(text);
    if (delta) this.tally.delta++;
    else this.tally.full++;
    if (this.dropItem !== null && (JSON.parse(text) as { id: string | null }).id === this.dropItem) {
      this.dropItem = null;
      this.tally.dropped++;
      return;
    }
    handler(event);
    if (this.duplicate > 0) {
      this.duplicate--;
      this.tally.duplicated++;
      handler(event);
    }
  }
}
