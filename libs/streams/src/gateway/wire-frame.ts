import type { Socket } from 'node:net';
import * as ws from 'ws';
import type { WebSocket } from 'ws';

type FrameOptions = { fin: boolean; rsv1: boolean; opcode: number; mask: boolean; readOnly: boolean };
/** ws's framing helper: one message as the buffers of one WebSocket frame. */
export type Framer = (data: Buffer, options: FrameOptions) => Buffer[];

/**
 * Capability probe: ws exports its Sender (the framing code) at run time, @types/ws does not declare it,
 * so a ws version without it must degrade (frames then go through `send()`) instead of throwing.
 */
export function probeFramer(wsModule: unknown): Framer | null {
  const sender = (wsModule as { Sender?: { frame?: unknown } }).Sender;
  return typeof sender?.frame === 'function' ? (sender.frame.bind(sender) as Framer) : null;
}

/** Probed once, when the module loads. */
const FRAMER = probeFramer(ws);

/**
 * Which way fan-out frames leave, decided once at start from the option and the probe (logged and
 * exported as the `streams_write_fast_path` gauge): pre-framed and written to each TCP socket, or ws's
 * `send()`. A socket whose internals fail `rawSocket()` still uses `send()` on its own.
 */
export function writePath(fastPathOption: boolean, framer: Framer | null = FRAMER): 'fast' | 'send' {
  return fastPathOption && framer ? 'fast' : 'send';
}

/**
 * A text message ready for the wire: its payload, and the same bytes already framed as one unmasked,
 * final WebSocket text frame (ws's own `Sender.frame`). Fan-out frames each event once, so a delivery is
 * one `write` of shared bytes instead of per-socket framing (the largest per-delivery cost after the
 * kernel write itself; see docs/benchmarks.md). `framed` is null when this ws version has no framing
 * helper: the frame is then sent with ws's `send()`.
 */
export interface WireFrame {
  payload: Buffer;
  framed: Buffer | null;
  /** The item the frame is about (a backed-up socket keeps only the latest frame per item); null for others. */
  itemKey: string | null;
}

export function wireFrame(payload: Buffer, itemKey: string | null = null, framer: Framer | null = FRAMER): WireFrame {
  if (!framer) return { payload, framed: null, itemKey };
  const framed = Buffer.concat(framer(payload, { fin: true, rsv1: false, opcode: 0x01, mask: false, readOnly: true }));
  // The payload kept is the framed bytes' tail, not the buffer passed in: a frame that waits for a slow
  // socket then holds its bytes once, not twice.
  return { payload: framed.subarray(framed.length - payload.length), framed, itemKey };
}

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
