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
import { HttpAdapterHost } from '@nestjs/core';
import { WebSocket, WebSocketServer } from 'ws';
import type { ResolvedStreamsOptions } from '../options/streams-options.interface';
import { CLOSE_CODES } from '../protocol/protocol.constants';
import { parseStreamPath, underPrefix } from '../protocol/stream-path.parser';
import { StreamsMetrics } from '../metrics/streams-metrics';
import { authenticate, type UpgradeRefusal } from '../auth/auth.runner';
import { StreamsSession } from '../session/streams.session';
import { STREAMS_OPTIONS } from '../streams.constants';
import { writePath } from '../wire/ws-framer';
import { asksRefusalClose, refusalCloseReason } from './refusal.close';
import { StreamConnection } from './stream-connection';
import { StreamsListener } from './streams.listener';
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
 * taken. With `attach` the same upgrade handling runs on the host app's HTTP(S) server instead, for URLs under
 * the prefix only (SPEC §12).
 */
@Injectable()
export class StreamsGateway implements StreamsListener, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Streams');
  /** Own-port mode only: the listener's own HTTP server. */
  private readonly own: Server | null = null;
  /** Attach mode only: the app's server, once bootstrapped. */
  private appServer: Server | null = null;
  private readonly wss: WebSocketServer;
  private readonly connections = new Set<StreamConnection>();
  private readonly bySocket = new WeakMap<WebSocket, StreamConnection>();
  private readonly listeners = this.socketListeners();
  private heartbeat: NodeJS.Timeout | null = null;
  private bound: { host: string; port: number } | null = null;
  private closing = false;
  /** Upgrades past the cap check and not yet accepted or refused, and refused ones still closing (`closeRefused`): they count against `limits.connections`. */
  private handshakes = 0;
  private readonly batcher: WriteBatcher;

  /** @internal Built by Nest only; kept out of the published types, which would otherwise reach the session, the hub and `ws`'s types. */
  constructor(
    @Inject(STREAMS_OPTIONS) private readonly options: ResolvedStreamsOptions,
    private readonly session: StreamsSession,
    private readonly metrics: StreamsMetrics,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    this.batcher = new WriteBatcher(options.writes.delayMs);
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: options.limits.payloadBytes,
      // Browsers cannot set headers, so iii clients send the token as the sub-protocols `Authorization, <token>`;
      // echoing `Authorization` lets the browser accept the handshake.
      handleProtocols: (protocols) => (protocols.has('Authorization') ? 'Authorization' : false),
    });
    if (options.attach) return;
    const handshake = options.timeouts.handshakeMs;
    // A client that never finishes its request headers (slowloris) is cut after `timeouts.handshakeMs`; Node
    // checks that on an interval, so the interval follows the timeout.
    const timeouts = { headersTimeout: handshake, requestTimeout: handshake, connectionsCheckingInterval: Math.min(1000, handshake) };
    this.own = createServer(timeouts, (req, res) => {
      const known = parseStreamPath(req.url) !== null;
      res.writeHead(known ? 426 : 404, { 'content-type': 'text/plain' }).end(known ? 'WebSocket upgrade required\n' : 'Not found\n');
    });
    this.own.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head, req.url));
  }

  /**
   * Listens (own port) or attaches to the app's server once every handler is discovered (module init), so
   * no client can join before them. The app's HTTP server exists from `NestFactory.create` on (Express and
   * Fastify), listening or not: `app.init()` then `app.listen()`, and `app.listen()` alone, both work.
   */
  async onApplicationBootstrap(): Promise<void> {
    const fanOut = `fan-out writes: ${writePath(this.options.writes.fastPath) === 'fast' ? 'pre-framed to the TCP socket' : 'ws send()'}`;
    if (this.own) {
      this.bound = await this.listen(this.own);
      this.logger.log(`Streams listening on ws://${this.options.host}:${this.bound.port} (${fanOut})`);
    } else {
      const { path } = this.options.attach!;
      this.attach(path);
      this.logger.log(`Streams attached to the app's server at ${path} (${fanOut})`);
    }
    const { heartbeatIntervalMs } = this.options.timeouts;
    if (heartbeatIntervalMs > 0) {
      this.heartbeat = setInterval(() => this.beat(), heartbeatIntervalMs);
      this.heartbeat.unref();
    }
  }

  private async listen(server: Server): Promise<{ host: string; port: number }> {
    const { host, port } = this.options;
    await new Promise<void>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => {
        reject(new Error(`Streams listener could not bind ${host}:${port}: ${error.code ?? error.message}`, { cause: error }));
      };
      server.once('error', onError);
      server.listen(port, host, () => {
        server.off('error', onError);
        resolve();
      });
    });
    const address = server.address() as AddressInfo;
    return { host: address.address, port: address.port };
  }

  /**
   * Takes the app's upgrades under `prefix` before any other `upgrade` listener sees them, and passes every
   * other one on untouched. Listening beside them would not do: the Nest WsAdapter destroys any upgrade whose
   * path is not its own, engine.io ends one it did not answer within a second (a slow authFunction), and
   * either may register before or after us. Wrapping `emit` gives the prefix to one owner whatever the order.
   */
  private attach(prefix: string): void {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (!server) throw new Error('StreamsModule attach needs an HTTP application (NestFactory.create), not an application context');
    const emit = server.emit;
    server.emit = ((event: string | symbol, ...args: unknown[]) => {
      const [req, socket, head] = args as [IncomingMessage, Duplex, Buffer];
      const path = event === 'upgrade' ? underPrefix(req.url, prefix) : null;
      if (path === null) return Reflect.apply(emit, server, [event, ...args]) as boolean;
      this.onUpgrade(req, socket, head, path);
      return true;
    }) as Server['emit'];
    // Node emits 'upgrade' only to a server with a listener (else the app's router gets the request): this one
    // makes it emit, and answers 404 to an upgrade outside the prefix only when nobody else listens for it.
    server.on('upgrade', (_req: IncomingMessage, socket: Duplex) => {
      if (server.listenerCount('upgrade') === 1) refuse(socket, 404);
    });
    this.appServer = server;
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
    // With attach the app's server is the app's to close (Nest closes it right after this hook).
    const own = this.own;
    if (!own) return;
    await new Promise<void>((resolve) => (own.listening ? own.close(() => resolve()) : resolve()));
    own.closeAllConnections();
  }

  /** Own port: once bound (after `app.init()`). Attach: the app's address, once `app.listen()` has resolved. */
  address(): { host: string; port: number } {
    if (this.own) {
      if (!this.bound) throw new Error('The streams listener is not bound yet: call app.init() first');
      return { ...this.bound };
    }
    const address = this.appServer?.address();
    if (!address || typeof address === 'string') throw new Error("The app's server is not listening yet: call app.listen() first");
    return { host: address.address, port: address.port };
  }

  /** Every upgrade of both modes comes here; `path` is the URL with the attach prefix taken off. */
  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, path: string | undefined): void {
    this.upgrade(req, socket, head, path).catch((error: unknown) => {
      // Never let one bad request take the process down.
      this.logger.error(`Streams upgrade failed: ${error instanceof Error ? error.message : String(error)}`);
      socket.destroy();
    });
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, path: string | undefined): Promise<void> {
    socket.on('error', destroySocket);
    const route = parseStreamPath(path);
    if (!route || this.closing) {
      this.metrics.connectionRefused(route ? 'shutdown' : 'not_found');
      return refuse(socket, route ? 503 : 404);
    }
    // The cap holds pending handshakes too and is checked before the auth function runs, so a flood of
    // upgrades cannot make the server call it (or hold their sockets) past `limits.connections`.
    if (this.connections.size + this.handshakes >= this.options.limits.connections) {
      this.metrics.connectionRefused('limit');
      return refuse(socket, 503);
    }
    this.handshakes++;
    let auth: Awaited<ReturnType<typeof authenticate>>;
    try {
      auth = await authenticate(this.options.authFunction, req, this.options.timeouts.handshakeMs);
    } finally {
      this.handshakes--;
    }
    if (!auth.allowed || this.closing) {
      // Counted, not logged: a client must not be able to write to the server's log (see docs/reference/security.md).
      this.metrics.connectionRefused(auth.allowed ? 'shutdown' : auth.reason);
      if (!auth.allowed && !this.closing && asksRefusalClose(req.url)) return this.closeRefused(req, socket, head, auth.refusal);
      return refuse(socket, auth.allowed ? 503 : 401);
    }
    if (socket.destroyed) return;
    // No await between the checks above and the accept: ws calls back synchronously (no verifyClient).
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      // ws guards the socket from now on; ours would stay for the connection's life.
      socket.off('error', destroySocket);
      const connection = new StreamConnection(ws, this.metrics, this.options, this.batcher);
      this.accept(connection);
      connection.client = this.session.opened(connection, auth, route.kind === 'stream' ? route : null);
    });
  }

  /**
   * A refused upgrade whose client asked to be told why (`?refusal=close`; the typed client does): a browser
   * sees an HTTP 401 only as the close 1006 of a dead server, so the upgrade is accepted and closed at once
   * with 4001 and the reason `{code, message}`. No handler runs and no message is read. Until it has closed,
   * the socket counts toward `limits.connections`; one that does not answer the close is cut after
   * `timeouts.handshakeMs`. Clients that did not ask (iii, Motia) get the 401.
   */
  private closeRefused(req: IncomingMessage, socket: Duplex, head: Buffer, refusal: UpgradeRefusal): void {
    if (socket.destroyed) return;
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      socket.off('error', destroySocket);
      this.handshakes++;
      const timeout = setTimeout(() => cut(ws), this.options.timeouts.handshakeMs).unref();
      ws.on('error', this.listeners.error);
      ws.once('close', () => {
        this.handshakes--;
        clearTimeout(timeout);
      });
      ws.close(CLOSE_CODES.UPGRADE_REFUSED, refusalCloseReason(refusal));
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
