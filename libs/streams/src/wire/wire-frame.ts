import * as ws from 'ws';

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
