import type { Socket } from 'node:net';
import * as ws from 'ws';
import type { WebSocket } from 'ws';

/** ws exports its Sender (the framing code) at run time; @types/ws does not declare it. */
type FrameOptions = { fin: boolean; rsv1: boolean; opcode: number; mask: boolean; readOnly: boolean };
const { Sender } = ws as unknown as { Sender: { frame(data: Buffer, options: FrameOptions): Buffer[] } };

/**
 * A text message ready for the wire: its payload, and the same bytes already framed as one unmasked,
 * final WebSocket text frame (ws's own `Sender.frame`). Fan-out frames each event once, so a delivery is
 * one `write` of shared bytes instead of per-socket framing (the largest per-delivery cost after the
 * kernel write itself; see docs/benchmarks.md).
 */
export interface WireFrame {
  payload: Buffer;
  framed: Buffer;
  /** The item the frame is about (a backed-up socket keeps only the latest frame per item); null for others. */
  itemKey: string | null;
}

export function wireFrame(payload: Buffer, itemKey: string | null = null): WireFrame {
  const parts = Sender.frame(payload, { fin: true, rsv1: false, opcode: 0x01, mask: false, readOnly: true });
  return { payload, framed: Buffer.concat(parts), itemKey };
}

/**
 * The TCP socket under a server-side `ws` WebSocket, when writing framed bytes to it directly is safe:
 * the listener never compresses and never sends Blobs, so ws's sender never queues and frames written
 * here stay in order with ws's own (pings, close). `bufferedAmount` still counts them. Null when this ws
 * version does not expose the socket that way; callers then use `send()`.
 */
export function rawSocket(websocket: WebSocket): Socket | null {
  const socket = (websocket as unknown as { _socket?: Socket })._socket;
  return socket && typeof socket.write === 'function' ? socket : null;
}
