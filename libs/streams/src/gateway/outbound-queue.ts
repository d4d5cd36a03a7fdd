import type { WebSocket } from 'ws';
import type { Socket } from 'node:net';
import type { StreamsMetrics } from '../metrics/streams-metrics';
import { CLOSE_CODES } from '../protocol/protocol.constants';
import { rawSocket, type WireFrame } from './wire-frame';
import type { BatchedWriter, WriteBatcher } from './write-batcher';

/** How often a backed-up socket is checked for room again. */
const DRAIN_CHECK_MS = 20;
/** How long a slow consumer gets to take its close frame before the TCP connection is cut. */
const CLOSE_GRACE_MS = 5000;

/** Bytes a frame takes on the wire (its payload when ws frames it itself). */
const size = (frame: WireFrame): number => (frame.framed ?? frame.payload).length;

/**
 * A socket's way out, with the slow-consumer policy (SPEC §7.6). While the socket's send buffer is under
 * `maxBufferedBytes` frames go straight out. Past it, frames wait here instead; a frame about an item
 * replaces the waiting frame about the same item (the client only needs the latest value), other frames
 * (custom events, syncs, errors) wait in order. If what waits still exceeds the bound, the socket is
 * closed with 4008. Nothing here ever blocks the writer or other sockets.
 *
 * With a `batcher`, frames that go out are gathered until the batcher flushes, then leave in order in one
 * write (cork/uncork: one `writev`); a batch reaching `maxBufferedBytes` is written at once, so the policy
 * sees the same socket buffer as without batching.
 */
export class OutboundQueue implements BatchedWriter {
  /** Framed bytes sent since the last flush, in order; null when none. */
  private batch: Buffer[] | null = null;
  private batchBytes = 0;
  private waiting: Map<string, WireFrame> | null = null;
  private readonly raw: Socket | null;
  private waitingBytes = 0;
  private drainTimer: NodeJS.Timeout | null = null;
  private unique = 0;

  constructor(
    private readonly socket: WebSocket,
    private readonly maxBufferedBytes: number,
    private readonly metrics: StreamsMetrics,
    /** Null: every frame is written at once (one write per frame). */
    private readonly batcher: WriteBatcher | null = null,
    /** False (option `writeFastPath`): every frame goes through ws's `send()`, never straight to the TCP socket. */
    fastPath = true,
  ) {
    this.raw = fastPath ? rawSocket(socket) : null;
  }

  /** Sends `frame`; while it waits, a newer frame about the same item (`frame.itemKey`) replaces it. */
  send(frame: WireFrame): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    // A batch never grows past the bound: it is written now, and the socket's own buffer decides as without one.
    if (this.batchBytes > 0 && this.socket.bufferedAmount + this.batchBytes > this.maxBufferedBytes) this.flush();
    if (!this.waiting && this.socket.bufferedAmount <= this.maxBufferedBytes) this.write(frame);
    else this.hold(frame);
  }

  /** Writes the batched frames, in order, in one write; nothing once the socket is closing (its close frame went out). */
  flush(): void {
    const batch = this.batch;
    if (!batch) return;
    this.batch = null;
    this.batchBytes = 0;
    if (!this.raw || this.socket.readyState !== this.socket.OPEN) return;
    if (batch.length === 1) return void this.raw.write(batch[0]);
    this.raw.cork();
    for (const bytes of batch) this.raw.write(bytes);
    this.raw.uncork();
  }

  private write(frame: WireFrame): void {
    this.metrics.framesOut++;
    // The fallback (no private socket, no framing helper, or the fast path off): ws frames and writes each one.
    if (!this.raw || !frame.framed) return void this.socket.send(frame.payload, { binary: false });
    if (!this.batcher) return void this.raw.write(frame.framed);
    if (!this.batch) {
      this.batch = [];
      this.batcher.schedule(this);
    }
    this.batch.push(frame.framed);
    this.batchBytes += frame.framed.length;
  }

  private hold(frame: WireFrame): void {
    if (!this.waiting) {
      this.waiting = new Map();
      this.drainTimer = setInterval(() => this.drain(), DRAIN_CHECK_MS);
      this.drainTimer.unref();
    }
    const key = frame.itemKey ?? `\u0000${this.unique++}`;
    const replaced = this.waiting.get(key);
    if (replaced) {
      this.waitingBytes -= size(replaced);
      // Re-inserted at the end: frames leave in the order of their latest version.
      this.waiting.delete(key);
    }
    this.waiting.set(key, frame);
    this.waitingBytes += size(frame);
    if (this.waitingBytes > this.maxBufferedBytes) this.evict();
  }

  private drain(): void {
    if (this.socket.readyState !== this.socket.OPEN) return this.reset();
    if (this.socket.bufferedAmount > this.maxBufferedBytes / 2) return;
    const waiting = this.waiting;
    this.reset();
    for (const frame of waiting?.values() ?? []) this.write(frame);
  }

  private evict(): void {
    this.reset();
    // What was already sent goes out before the close frame, as it would have without the batch.
    this.flush();
    this.metrics.slowConsumerCloses++;
    this.socket.close(CLOSE_CODES.SLOW_CONSUMER, 'slow consumer');
    setTimeout(() => this.socket.terminate(), CLOSE_GRACE_MS).unref();
  }

  private reset(): void {
    if (this.drainTimer) clearInterval(this.drainTimer);
    this.drainTimer = null;
    this.waiting = null;
    this.waitingBytes = 0;
  }
}
