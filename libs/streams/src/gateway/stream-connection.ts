import type { WebSocket } from 'ws';
import type { StreamsMetrics } from '../metrics/streams-metrics';
import type { ResolvedStreamsOptions } from '../options/streams-options.interface';
import type { ClientSession } from '../session/streams.session';
import type { SocketPort } from '../session/socket.port';
import { type WireFrame, wireFrame } from '../wire/wire-frame';
import { InboundQueue } from './inbound-queue';
import { OutboundQueue } from './outbound-queue';
import type { WriteBatcher } from './write-batcher';

/**
 * One WebSocket as the transport keeps it: its inbound and outbound queues and its heartbeat flag. It is the
 * session's port (session/socket.port.ts); the protocol state is the `ClientSession` it carries for the handler.
 */
export class StreamConnection implements SocketPort {
  /** Set by pongs, cleared by each heartbeat; a socket still unset at the next beat is dead. */
  alive = true;
  /** The socket's protocol state, set by the session handler as the socket is accepted. */
  client!: ClientSession;
  /** Client messages are handled strictly one after another, as in iii (a join finishes before the next), and bounded. */
  private readonly inbound: InboundQueue;
  /** Its way out (slow-consumer policy, batching). */
  private readonly outbound: OutboundQueue;

  constructor(
    readonly socket: WebSocket,
    metrics: StreamsMetrics,
    /** The `limits` and `writes` options: objects shared by every connection (an idle one carries references, not copies). */
    { limits, writes }: Pick<ResolvedStreamsOptions, 'limits' | 'writes'>,
    /** Gathers the frames this socket gets in one flush into one write (`writes.delayMs`); null writes each at once. */
    batcher: WriteBatcher | null = null,
  ) {
    this.outbound = new OutboundQueue(socket, limits.bufferedBytes, metrics, batcher, writes.fastPath);
    this.inbound = new InboundQueue(socket, limits);
  }

  get open(): boolean {
    return this.socket.readyState === this.socket.OPEN;
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
    this.inbound.close(() => cleanup().catch(onError));
  }

  /** Closes the socket after the frames already sent to it (a batched frame must not follow the close frame). */
  close(code: number, reason: string): void {
    this.outbound.flush();
    this.socket.close(code, reason);
  }

  send(wire: WireFrame): void {
    this.outbound.send(wire);
  }

  sendFrame(frame: object): void {
    this.outbound.send(wireFrame(Buffer.from(JSON.stringify(frame))));
  }
}
