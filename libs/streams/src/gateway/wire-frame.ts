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
  const framed = framer ? Buffer.concat(framer(payload, { fin: true, rsv1: false, opcode: 0x01, mask: false, readOnly: true })) : null;
  return { payload, framed, itemKey };
}

/**
 * The TCP socket under a server-side `ws` WebSocket, when writing framed bytes to it directly is safe:
 * the listener never compresses and never sends Blobs, so ws's sender never queues and frames written
 * here stay in order with ws's own (pings, close). `bufferedAmount` still counts them. Null when this ws
 * version does not expose the socket that way (capability probe); callers then use `send()`.
 */
export function rawSocket(websocket: WebSocket): Socket | null {
  const socket = (websocket as unknown as { _socket?: Socket })._socket;
  return socket && typeof socket.write === 'function' ? socket : null;
}
