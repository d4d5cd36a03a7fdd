import type { WebSocketConstructor, WebSocketLike } from 'nest-realtime-streams-client';

/**
 * The page's "offline" switch: a WebSocket constructor for the client that, while offline, closes the live
 * socket and fails every new one as an unreachable server would (close 1006, never opened). The client then
 * does what it does when the network goes: keeps retrying with backoff and queues mutations.
 */
export class OfflineSwitch {
  offline = false;
  private readonly live = new Set<WebSocket>();

  readonly WebSocket: WebSocketConstructor = ((switcher: OfflineSwitch) =>
    class SwitchableSocket implements WebSocketLike {
      onopen: WebSocketLike['onopen'] = null;
      onmessage: WebSocketLike['onmessage'] = null;
      onclose: WebSocketLike['onclose'] = null;
      onerror: WebSocketLike['onerror'] = null;
      private readonly socket: WebSocket | null;

      constructor(url: string, protocols?: string | string[]) {
        if (switcher.offline) {
          this.socket = null;
          setTimeout(() => this.onclose?.({ code: 1006, reason: '' }), 0);
          return;
        }
        const socket = new WebSocket(url, protocols);
        this.socket = socket;
        switcher.live.add(socket);
        socket.onopen = (event) => this.onopen?.(event);
        socket.onmessage = (event) => this.onmessage?.(event);
        socket.onerror = (event) => this.onerror?.(event);
        socket.onclose = (event) => {
          switcher.live.delete(socket);
          this.onclose?.(event);
        };
      }

      get readyState(): number {
        return this.socket?.readyState ?? WebSocket.CLOSED;
      }

      send(data: string): void {
        this.socket?.send(data);
      }

      close(code?: number, reason?: string): void {
        this.socket?.close(code, reason);
      }
    })(this);

  /** Offline: the live socket closes now. Online again: the caller reconnects at once (`client.retry()`). */
  set(offline: boolean): void {
    this.offline = offline;
    if (offline) for (const socket of this.live) socket.close(4000, 'offline (demo switch)');
  }
}
