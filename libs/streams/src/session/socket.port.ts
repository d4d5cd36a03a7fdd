import type { WireFrame } from '../wire/wire-frame';

/**
 * What the session may ask of a socket, and all it may ask (as centrifuge's `Transport`): the transport
 * (gateway/stream-connection.ts) implements it, so the protocol never touches ws, the queues or the limits
 * of the socket, and the transport never holds protocol state.
 */
export interface SocketPort {
  /** Prepared bytes (a live event, shared by every socket of its group): the hot path of fan-out. */
  send(wire: WireFrame): void;
  /** A frame of this socket only (sync, error, auth ...), encoded here. */
  sendFrame(frame: object): void;
  /** Closes the socket after the frames already sent to it. */
  close(code: number, reason: string): void;
  /**
   * Runs `task` on the socket's inbound queue, in order with its messages; `onError` sees what it throws.
   * Ignored once the socket has closed.
   */
  enqueue(task: () => Promise<void>, onError: (error: unknown) => void): void;
  /** False once the socket is closing or closed. */
  readonly open: boolean;
}
