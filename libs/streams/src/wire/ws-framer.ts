import * as ws from 'ws';
import type { WireFrame } from './wire-frame';

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
 * The frame's bytes framed with ws's own `Sender.frame`, made on the first call and kept on the frame for every
 * other socket it goes to; null without a framing helper.
 */
export function frameOnce(frame: WireFrame, framer: Framer | null = FRAMER): Buffer | null {
  if (frame.framed !== undefined) return frame.framed;
  if (!framer) return (frame.framed = null);
  const framed = Buffer.concat(framer(frame.payload, { fin: true, rsv1: false, opcode: 0x01, mask: false, readOnly: true }));
  // The payload kept is the framed bytes' tail, not the buffer it was built from: a frame that waits for a
  // slow socket then holds its bytes once, not twice.
  frame.payload = framed.subarray(framed.length - frame.payload.length);
  return (frame.framed = framed);
}
