import type { WebSocket } from 'ws';
import type { Socket } from 'node:net';
import type { StreamsMetrics } from '../metrics/streams-metrics';
import { CLOSE_CODES } from '../protocol/protocol.constants';
import type { WireFrame } from '../wire/wire-frame';
import { frameOnce } from '../wire/ws-framer';
import { cut, rawSocket, senderIdle } from './ws-internals';
import type { BatchedWriter, WriteBatcher } from './write-batcher';

/** How often a backed-up socket is checked for room when nothing else can say so (see `awaitRoom`). */
const ROOM_POLL_MS = 20;
/** How long a slow consumer gets to take its close frame before the TCP connection is cut. */
const CLOSE_GRACE_MS = 5000;
/** A write of no bytes: its callback runs once everything written before it has reached the kernel. */
const NOTHING = Buffer.alloc(0);

/** Bytes a frame takes on the wire (its payload while unframed, or when ws frames it itself). */
const size = (frame: WireFrame): number => (frame.framed ?? frame.payload).length;

/**
 * A socket's way out, with the slow-consumer policy (SPEC §7.6). While the socket's send buffer is under
 * `limits.bufferedBytes` frames go straight out. Past it, frames wait here instead; a frame about an item
 * replaces the waiting frame about the same item (the client only needs the latest value), other frames
 * (custom events, syncs, errors) wait in order. If what waits still exceeds half the bound, the socket is
 * closed with 4008. Nothing here ever blocks the writer or other sockets. Waiting frames leave, together,
 * once the buffer is down to half the bound; the socket says when (its `'drain'`, or a write callback), so
 * a backed-up socket costs no timer. So a socket never makes the server hold more than 1.5 × the bound
 * (plus one frame): its buffer up to the bound (a release refills it to at most half + half), and half
 * the bound waiting.
 *
 * With a `batcher`, frames that go out are gathered until the batcher flushes, then leave in order in one
 * write (cork/uncork: one `writev`); a batch reaching `limits.bufferedBytes` is written at once, so the policy
 * sees the same socket buffer as without batching.
 */
export class OutboundQueue implements BatchedWriter {
  /** Frames sent since the last flush, in order; null when none. */
  private batch: WireFrame[] | null = null;
  private batchBytes = 0;
  private waiting: Map<string, WireFrame> | null = null;
  private waitingBytes = 0;
  /** A wake-up for the waiting frames is pending. */
  private awaiting = false;
  /** Frames handed to ws's `send()` whose write has not completed yet. */
  private unsent = 0;
  /** `send()`'s completion callback, made on first use (fast-path sockets rarely need it). */
  private sent: (() => void) | null = null;
  private unique = 0;
  private readonly raw: Socket | null;

  constructor(
    private readonly socket: WebSocket,
    private readonly maxBufferedBytes: number,
    private readonly metrics: StreamsMetrics,
    /** Null: every frame is written at once (one write per frame). */
    private readonly batcher: WriteBatcher | null = null,
    /** False (option `writes.fastPath`): every frame goes through ws's `send()`, never straight to the TCP socket. */
    fastPath = true,
  ) {
    this.raw = fastPath ? rawSocket(socket) : null;
  }

  /** Sends `frame`; while it waits, a newer frame about the same item (`frame.itemKey`) replaces it. */
  send(frame: WireFrame): void {
    const socket = this.socket;
    if (socket.readyState !== socket.OPEN) return;
    // ws's getter sums two fields: read once, again only after a flush changed it.
    let buffered = socket.bufferedAmount;
    // A batch never grows past the bound: it is written now, and the socket's own buffer decides as without one.
    if (this.batchBytes > 0 && buffered + this.batchBytes > this.maxBufferedBytes) {
      this.flush();
      buffered = socket.bufferedAmount;
    }
    if (!this.waiting && buffered <= this.maxBufferedBytes) this.write(frame, this.batcher !== null);
    else this.hold(frame);
  }

  /** Bytes this queue holds that the socket has not been handed yet (batched and waiting frames). */
  get backlogBytes(): number {
    return this.batchBytes + this.waitingBytes;
  }

  /** Writes the batched frames, in order, in one write; nothing once the socket is closing (its close frame went out). */
  flush(): void {
    const batch = this.batch;
    if (!batch) return;
    this.batch = null;
    this.batchBytes = 0;
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.raw!.cork();
    for (const frame of batch) this.writeRaw(this.raw!, frame.framed!, frame);
    this.raw!.uncork();
  }

  private write(frame: WireFrame, batched: boolean): void {
    this.metrics.framesOut++;
    // The fallback (no usable TCP socket, no framing helper, or the fast path off): ws frames and writes each one.
    const framed = this.raw && frameOnce(frame);
    if (!framed) return this.sendThroughWs(frame);
    if (!batched) return this.writeRaw(this.raw!, framed, frame);
    if (!this.batch) {
      this.batch = [];
      this.batcher!.schedule(this);
    }
    this.batch.push(frame);
    this.batchBytes += framed.length;
  }

  /** A raw write lands after ws's own frames only while ws's sender holds none back (`rawSocket`); else ws queues it. */
  private writeRaw(raw: Socket, framed: Buffer, frame: WireFrame): void {
    if (senderIdle(this.socket)) raw.write(framed);
    else this.sendThroughWs(frame);
  }

  private sendThroughWs(frame: WireFrame): void {
    this.metrics.framesViaSend++;
    this.unsent++;
    this.socket.send(frame.payload, { binary: false }, (this.sent ??= () => this.sendDone()));
  }

  private sendDone(): void {
    if (--this.unsent === 0) this.room();
  }

  private hold(frame: WireFrame): void {
    if (!this.waiting) {
      this.waiting = new Map();
      this.awaitRoom();
    }
    const key = frame.itemKey ?? `\u0000${this.unique++}`;
    const replaced = this.waiting.get(key);
    if (replaced) {
      this.waitingBytes -= size(replaced);
      // Re-inserted at the end: frames leave in the order of their latest version.
      this.waiting.delete(key);
    }
    // A delta replacing a frame of its item applies to a version the client will never get: it goes whole.
    const kept = replaced ? (frame.full ?? frame) : frame;
    this.waiting.set(key, kept);
    this.waitingBytes += size(kept);
    if (this.waitingBytes > this.maxBufferedBytes / 2) this.evict();
  }

  /**
   * Arranges one wake-up once the socket's buffer has emptied. Frames still inside ws's `send()`: the last
   * one's callback. The TCP socket: its `'drain'`, which Node emits only after a write found the buffer past
   * the socket's high-water mark (16 KiB); under it (a smaller `limits.bufferedBytes`), a write of no bytes
   * queued behind the buffered ones calls back once they reached the kernel. Without either (no TCP socket
   * exposed, nothing of ours in flight: only ws's own frames fill the buffer) the socket is polled.
   */
  private awaitRoom(): void {
    this.awaiting = true;
    if (this.unsent > 0) return;
    const raw = this.raw;
    if (!raw) setTimeout(() => this.room(), ROOM_POLL_MS).unref();
    else if (raw.writableNeedDrain) raw.once('drain', () => this.room());
    else raw.write(NOTHING, () => this.room());
  }

  private room(): void {
    if (!this.awaiting) return;
    this.awaiting = false;
    this.drain();
  }

  private drain(): void {
    const waiting = this.waiting;
    if (!waiting) return;
    if (this.socket.readyState !== this.socket.OPEN) return this.reset();
    if (this.socket.bufferedAmount > this.maxBufferedBytes / 2) return this.awaitRoom();
    this.reset();
    // The batch first (it was sent before them), then the waiting frames: all in one write on the fast path.
    this.raw?.cork();
    this.flush();
    for (const frame of waiting.values()) this.write(frame, false);
    this.raw?.uncork();
  }

  private evict(): void {
    this.reset();
    // What was already sent goes out before the close frame, as it would have without the batch.
    this.flush();
    this.metrics.slowConsumerCloses++;
    this.socket.close(CLOSE_CODES.SLOW_CONSUMER, 'slow consumer');
    setTimeout(() => cut(this.socket), CLOSE_GRACE_MS).unref();
  }

  private reset(): void {
    this.waiting = null;
    this.waitingBytes = 0;
    this.awaiting = false;
  }
}
