import type { WebSocket } from 'ws';
import type { StreamsMetrics } from '../metrics/streams-metrics';
import type { ProtocolErrorCode } from '../protocol/protocol.constants';
import { type SeamSocket, SocketSubscriptions } from '../session/snapshot.seam';
import type { AuthExpiry } from './auth-expiry';
import { type InboundLimits, InboundQueue } from './inbound-queue';
import { JoinRateLimiter } from './join-rate.limiter';
import { OutboundQueue } from './outbound-queue';
import { type WireFrame, wireFrame } from './wire-frame';
import type { WriteBatcher } from './write-batcher';

/**
 * A socket's bounds, from the options (`maxBufferedBytes`, `maxQueuedMessagesPerSocket`, `maxJoinsPerSecond`, ...);
 * one object shared by every connection, handed on as is (an idle connection carries references, not copies).
 */
export interface ConnectionLimits {
  maxBufferedBytes: number;
  inbound: InboundLimits;
  joinBurst: number;
  joinsPerSecond: number;
  /** Option `writeFastPath`: pre-framed bytes written straight to the TCP socket (batched), or ws's `send()`. */
  writeFastPath: boolean;
}

/**
 * One WebSocket: its inbound and outbound queues, limits, authentication clock, and the subscriptions the
 * session keeps for it; its group bindings there are the hub's members, and route among its subscriptions
 * (session/snapshot.seam.ts).
 */
export class StreamConnection implements SeamSocket {
  readonly subscriptions: SocketSubscriptions;
  /** Set by pongs, cleared by each heartbeat; a socket still unset at the next beat is dead. */
  alive = true;
  /** Client messages are handled strictly one after another, as in iii (a join finishes before the next), and bounded. */
  private readonly inbound: InboundQueue;

  /** Its way out (slow-consumer policy, batching); live events are written here by its group bindings. */
  readonly outbound: OutboundQueue;
  private readonly joins: JoinRateLimiter;

  /** Set when the authentication expires (`expiresAt`); a successful refresh moves it. */
  auth: AuthExpiry | null = null;

  constructor(
    readonly socket: WebSocket,
    /** Replaced by a successful `refresh`. */
    public context: unknown,
    private readonly metrics: StreamsMetrics,
    limits: ConnectionLimits,
    /** Gathers the frames this socket gets in one flush into one write (`writeDelayMs`); null writes each at once. */
    batcher: WriteBatcher | null = null,
  ) {
    this.outbound = new OutboundQueue(socket, limits.maxBufferedBytes, metrics, batcher, limits.writeFastPath);
    this.inbound = new InboundQueue(socket, limits.inbound);
    this.joins = new JoinRateLimiter(limits.joinBurst, limits.joinsPerSecond);
    this.subscriptions = new SocketSubscriptions(this);
  }

  /** Spends one join of this socket's budget; false when it is spent (see `maxJoinsPerSecond`). */
  takeJoin(): boolean {
    return this.joins.take();
  }

  /**
   * Queues work on this socket's inbound queue (`bytes`: the client input it holds, counted against the
   * bound); `onError` sees what a task throws, the queue goes on. Ignored once the socket has closed.
   */
  enqueue(task: () => Promise<void>, onError: (error: unknown) => void, bytes = 0): void {
    this.inbound.push(() => task().catch(onError), bytes);
  }

  /** The socket closed: queued work is dropped, `cleanup` runs once the task in flight is done. */
  socketClosed(cleanup: () => Promise<void>, onError: (error: unknown) => void): void {
    this.auth?.stop();
    this.inbound.close(() => cleanup().catch(onError));
  }

  /** Closes the socket after the frames already sent to it (a batched frame must not follow the close frame). */
  end(code: number, reason: string): void {
    this.outbound.flush();
    this.socket.close(code, reason);
  }

  send(wire: WireFrame): void {
    this.outbound.send(wire);
  }

  sendFrame(frame: object): void {
    this.sendText(JSON.stringify(frame));
  }

  /** A frame the caller already encoded (presence events, encoded once for every watcher). */
  sendText(json: string): void {
    this.outbound.send(wireFrame(Buffer.from(json)));
  }

  sendError(code: ProtocolErrorCode, message: string, extra: Record<string, unknown> = {}): void {
    this.metrics.protocolError(code);
    this.sendFrame({ type: 'error', error: { code, message, ...extra } });
  }
}
