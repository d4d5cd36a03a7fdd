import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { WebSocket, WebSocketServer } from 'ws';
import type { ResolvedStreamsOptions } from '../options/streams-options.interface';
import { CLOSE_CODES } from '../protocol/protocol.constants';
import { parseStreamPath } from '../protocol/stream-path.parser';
import { StreamsMetrics } from '../metrics/streams-metrics';
import { authenticate } from '../auth/auth.runner';
import { StreamsSession } from '../session/streams.session';
import { STREAMS_OPTIONS } from '../streams.constants';
import { writePath } from '../wire/wire-frame';
import { type ConnectionLimits, StreamConnection } from './stream-connection';
import { WriteBatcher } from './write-batcher';
import { cut } from './ws-internals';

/** How long shutdown waits for clients to answer the 1001 close before cutting them off. */
const CLOSE_GRACE_MS = 2000;

/**
 * The streams WebSocket listener, the transport: listen, HTTP answers, upgrade, authentication, the
 * connection cap, heartbeat and shutdown; what a socket says is the session's (StreamsSession).
 *
 * It owns its HTTP server and a `noServer` ws server instead of being a Nest `@WebSocketGateway`: the stock
 * WsAdapter matches paths exactly and fixes the port when the class is defined, and a library cannot choose
 * the host app's WebSocket adapter. Owning the upgrade gives dynamic `/stream/...` paths, a port from
 * (async) options, port 0 in tests, 401/404 before the upgrade, and a bootstrap that fails when the port is
 * taken.
 */
@Injectable()
export class StreamsGateway implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Streams');
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly connections = new Set<StreamConnection>();
  private readonly bySocket = new WeakMap<WebSocket, StreamConnection>();
  private readonly listeners = this.socketListeners();
  private heartbeat: NodeJS.Timeout | null = null;
  private bound: { host: string; port: number } | null = null;
  private closing = false;
  /** Upgrades past the cap check and not yet accepted or refused: they count against `maxConnections`. */
  private handshakes = 0;
  private readonly limits: ConnectionLimits;
  private readonly batcher: WriteBatcher;

  /** @internal Built by Nest only; kept out of the published types, which would otherwise reach the session, the hub and `ws`'s types. */
  constructor(
    @Inject(STREAMS_OPTIONS) private readonly options: ResolvedStreamsOptions,
    private readonly session: StreamsSession,
    private readonly metrics: StreamsMetrics,
  ) {
    // One object for every connection (built once, so an idle connection carries only a reference).
    this.limits = {
      maxBufferedBytes: options.maxBufferedBytes,
      inbound: { maxTasks: options.maxQueuedMessagesPerSocket, maxBytes: options.maxPayloadBytes },
      writeFastPath: options.writeFastPath,
    };
    this.batcher = new WriteBatcher(options.writeDelayMs);
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: options.maxPayloadBytes,
      // Browsers cannot set headers, so iii clients send the token as the sub-protocols `Authorization, <token>`;
      // echoing `Authorization` lets the browser accept the handshake.
      handleProtocols: (protocols) => (protocols.has('Authorization') ? 'Authorization' : false),
    });
    const handshake = options.handshakeTimeoutMs;
    // A client that never finishes its request headers (slowloris) is cut after `handshakeTimeoutMs`; Node
    // checks that on an interval, so the interval follows the timeout.
    const timeouts = { headersTimeout: handshake, requestTimeout: handshake, connectionsCheckingInterval: Math.min(1000, handshake) };
    this.server = createServer(timeouts, (req, res) => {
      const known = parseStreamPath(req.url) !== null;
      res.writeHead(known ? 426 : 404, { 'content-type': 'text/plain' }).end(known ? 'WebSocket upgrade required\n' : 'Not found\n');
    });
    this.server.on('upgrade', (req, socket, head) =>
      this.upgrade(req, socket, head).catch((error: unknown) => {
        // Never let one bad request take the process down.
        this.logger.error(`Streams upgrade failed: ${error instanceof Error ? error.message : String(error)}`);
        socket.destroy();
      }),
    );
  }

  /** Listens once every handler is discovered (module init), so no client can join before them. */
  async onApplicationBootstrap(): Promise<void> {
    const { host, port } = this.options;
    await new Promise<void>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => {
        reject(new Error(`Streams listener could not bind ${host}:${port}: ${error.code ?? error.message}`, { cause: error }));
      };
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    const address = this.server.address() as AddressInfo;
    this.bound = { host: address.address, port: address.port };
    this.logger.log(`Streams listening on ws://${host}:${address.port} (fan-out writes: ${writePath(this.options.writeFastPath) === 'fast' ? 'pre-framed to the TCP socket' : 'ws send()'})`);
    if (this.options.heartbeatIntervalMs > 0) {
      this.heartbeat = setInterval(() => this.beat(), this.options.heartbeatIntervalMs);
      this.heartbeat.unref();
    }
  }

  /** Closes every client with 1001 (leave handlers run) and frees the port, before the adapter closes. */
  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    const closed = [...this.connections].map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.socket.readyState === WebSocket.CLOSED) return resolve();
          c.socket.once('close', () => resolve());
          c.close(CLOSE_CODES.GOING_AWAY, 'server shutting down');
          setTimeout(() => {
            cut(c.socket);
            resolve();
          }, CLOSE_GRACE_MS).unref();
        }),
    );
    await Promise.all(closed);
    await Promise.all([...this.connections].map((c) => this.cleanup(c)));
    await this.session.shutdown();
    await new Promise<void>((resolve) => (this.server.listening ? this.server.close(() => resolve()) : resolve()));
    this.server.closeAllConnections();
  }

  address(): { host: string; port: number } {
    if (!this.bound) throw new Error('The streams listener is not bound yet: call app.init() first');
    return { ...this.bound };
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', destroySocket);
    const route = parseStreamPath(req.url);
    if (!route || this.closing) {
      this.metrics.connectionRefused(route ? 'shutdown' : 'not_found');
      return refuse(socket, route ? 503 : 404);
    }
    // The cap holds pending handshakes too and is checked before the auth function runs, so a flood of
    // upgrades cannot make the server call it (or hold their sockets) past `maxConnections`.
    if (this.connections.size + this.handshakes >= this.options.maxConnections) {
      this.metrics.connectionRefused('limit');
      return refuse(socket, 503);
    }
    this.handshakes++;
    let auth: Awaited<ReturnType<typeof authenticate>>;
    try {
      auth = await authenticate(this.options.authFunction, req, this.options.handshakeTimeoutMs);
    } finally {
      this.handshakes--;
    }
    if (!auth.allowed || this.closing) {
      // Counted, not logged: a client must not be able to write to the server's log (see docs/security.md).
      this.metrics.connectionRefused(auth.allowed ? 'shutdown' : auth.reason);
      return refuse(socket, auth.allowed ? 503 : 401);
    }
    if (socket.destroyed) return;
    // No await between the checks above and the accept: ws calls back synchronously (no verifyClient).
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      // ws guards the socket from now on; ours would stay for the connection's life.
      socket.off('error', destroySocket);
      const connection = new StreamConnection(ws, this.metrics, this.limits, this.batcher);
      this.accept(connection);
      connection.client = this.session.opened(connection, auth, route.kind === 'stream' ? route : null);
    });
  }

  private accept(connection: StreamConnection): void {
    const ws = connection.socket;
    this.connections.add(connection);
    this.bySocket.set(ws, connection);
    this.metrics.connections++;
    this.metrics.connectionAccepted();
    // The same four listener functions for every socket (ws calls them with the socket as `this`): no
    // closures per connection, which keeps an idle connection small. `on`, not `once`, for 'close': ws emits
    // it once, and `once` would keep a wrapper per socket.
    ws.on('pong', this.listeners.pong);
    ws.on('message', this.listeners.message);
    ws.on('error', this.listeners.error);
    ws.on('close', this.listeners.close);
  }

  private socketListeners() {
    // ws passes the socket as `this`, so the gateway has to travel by another name.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const gateway = this;
    const connectionOf = (ws: WebSocket) => gateway.bySocket.get(ws);
    return {
      pong(this: WebSocket) {
        const connection = connectionOf(this);
        if (connection) connection.alive = true;
      },
      message(this: WebSocket, data: Buffer) {
        const connection = connectionOf(this);
        if (!connection) return;
        gateway.metrics.framesIn++;
        connection.enqueue(() => gateway.session.message(connection.client, data), gateway.session.onTaskError, data.length);
      },
      // ws has already closed the socket with the matching code (1007, 1009, 1002); counted, not logged.
      error(this: WebSocket, error: Error & { code?: string }) {
        gateway.metrics.socketError(error.code ?? 'unknown');
      },
      close(this: WebSocket) {
        const connection = connectionOf(this);
        if (!connection) return;
        connection.client.ended();
        // Queued messages of a closed socket are dropped, not handled: a flood ends when its client leaves.
        connection.socketClosed(() => gateway.cleanup(connection), gateway.session.onTaskError);
      },
    };
  }

  /** Socket gone: the session ends its subscriptions (once, whether the client or shutdown closed it). */
  private async cleanup(connection: StreamConnection): Promise<void> {
    if (!this.connections.delete(connection)) return;
    this.metrics.connections--;
    await this.session.closed(connection.client);
  }

  private beat(): void {
    for (const connection of this.connections) {
      if (!connection.alive) {
        cut(connection.socket);
        continue;
      }
      connection.alive = false;
      connection.socket.ping();
    }
  }
}

/** A failed socket before ws takes it: one function for all (no closure, nor the upgrade's scope, kept per socket). */
function destroySocket(this: Duplex): void {
  this.destroy();
}

/**
 * Answers a refused upgrade and destroys the socket once the answer is flushed (as ws's `abortHandshake`
 * does): the server's sockets allow half-open connections, so a client that never closes its side would
 * otherwise hold the socket for ever.
 */
function refuse(socket: Duplex, status: 401 | 404 | 503): void {
  const text = { 401: 'Unauthorized', 404: 'Not Found', 503: 'Service Unavailable' }[status];
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
