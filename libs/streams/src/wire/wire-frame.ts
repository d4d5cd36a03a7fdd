/**
 * A text message for the wire: its protocol bytes (JSON), prepared once by whoever built it (the hub once per
 * event, for every socket of its group; the session for one socket's own frames), and the item it is about.
 * The transport frames it on its first write and keeps the frame here (ws-framer.ts), so every socket it goes
 * to writes the same bytes: fan-out frames each event once instead of per socket (the largest per-delivery
 * cost after the kernel write itself; see docs/reference/benchmarks.md).
 */
export interface WireFrame {
  payload: Buffer;
  /**
   * Set by the transport on first write: the payload framed as one unmasked, final WebSocket text frame, or
   * null when this ws version has no framing helper (ws's `send()` then frames it). Undefined until then.
   */
  framed: Buffer | null | undefined;
  /** The item the frame is about (a backed-up socket keeps only the latest frame per item); null for others. */
  itemKey: string | null;
}

export function wireFrame(payload: Buffer, itemKey: string | null = null): WireFrame {
  return { payload, framed: undefined, itemKey };
}
