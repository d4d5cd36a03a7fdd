import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

/** The parts of ws's private state the fast path reads (ws 8.18–8.23: `lib/websocket.js`, `lib/sender.js`). */
interface WsInternals {
  _socket?: Socket;
  _sender?: { _state?: unknown; _queue?: unknown };
}

/** ws's sender state while it writes straight through (not deflating, not reading a Blob). */
const SENDER_DEFAULT = 0;

/**
 * The TCP socket under a server-side `ws` WebSocket, when writing framed bytes to it directly keeps them
 * in order with ws's own frames (pings, close): ws writes a frame at once while its sender is idle, and
 * queues it while the sender compresses or reads a Blob, which a raw write would overtake. So the socket
 * is returned only when it negotiated no extension (nothing is ever compressed) and the sender's state is
 * observable, so `senderIdle()` can be checked before each raw write. `bufferedAmount` still counts raw
 * bytes. Null otherwise (another ws version, permessage-deflate): callers then use `send()`.
 */
export function rawSocket(websocket: WebSocket): Socket | null {
  const { _socket: socket, _sender: sender } = websocket as unknown as WsInternals;
  if (!socket || typeof socket.write !== 'function' || websocket.extensions !== '') return null;
  return typeof sender?._state === 'number' && Array.isArray(sender._queue) ? socket : null;
}

/** The one error every write still buffered gets when a socket is cut (see `cut`). */
const CUT_ERROR = Object.assign(new Error('streams: connection cut'), { code: 'STREAMS_CONNECTION_CUT' });

/**
 * Ends a socket at once, as ws's `terminate()` does, but hands every write still buffered the same error:
 * `terminate()` destroys the TCP socket without one, and Node then builds a new error, stack trace and all,
 * for each pending write — about a thousand for a slow consumer at the default bound, tens of ms of CPU
 * that every other socket waits for.
 */
export function cut(websocket: WebSocket): void {
  const socket = (websocket as unknown as WsInternals)._socket;
  if (socket && typeof socket.destroy === 'function' && websocket.readyState !== websocket.CLOSED) socket.destroy(CUT_ERROR);
  else websocket.terminate();
}

/** True when ws's sender holds nothing back, so a raw write lands after every frame ws has sent (see `rawSocket`). */
export function senderIdle(websocket: WebSocket): boolean {
  const sender = (websocket as unknown as Required<WsInternals>)._sender as { _state: number; _queue: unknown[] };
  return sender._state === SENDER_DEFAULT && sender._queue.length === 0;
}
