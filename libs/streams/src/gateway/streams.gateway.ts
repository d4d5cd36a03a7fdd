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
import { groupKey } from '../adapters/group.key';
import { StreamsHub } from '../hub/streams.hub';
import type { StreamFrame } from '../interfaces/stream-frame.interface';
import type { ResolvedStreamsOptions } from '../options/streams-options.interface';
import { parseClientMessage, type SubscriptionRequest } from '../protocol/client-message.parser';
import { CLOSE_CODES, ERROR_CODES } from '../protocol/protocol.constants';
import { parseStreamPath } from '../protocol/stream-path.parser';
import { formatPosition, parsePosition } from '../protocol/stream-position';
import { StreamsMetrics } from '../metrics/streams-metrics';
import { StreamsStore } from '../service/streams.store';
import { STREAMS_OPTIONS, STREAMS_PRESENCE } from '../streams.constants';
import type { PresenceHub } from '../presence/presence.hub';
import { AuthExpiry } from './auth-expiry';
import { StreamHandlersRegistry } from '../triggers/stream-handlers.registry';
import { type ConnectionLimits, StreamConnection } from './stream-connection';
import { WriteBatcher } from './write-batcher';
import { authenticate, runAuth } from './upgrade-auth';
import { serveRetryDelay } from './serve-retry.delay';

/** Subscription id of the subscription a `/stream/...` URL opens on connect. */
export const PATH_SUBSCRIPTION_ID = 'path';
/** How long shutdown waits for clients to answer the 1001 close before cutting them off. */
const CLOSE_GRACE_MS = 2000;

/**
 * The streams WebSocket listener. It owns its HTTP server and a `noServer` ws server instead of being a
 * Nest `@WebSocketGateway`: the stock WsAdapter matches paths exactly and fixes the port when the class is
 * defined, and a library cannot choose the host app's WebSocket adapter. Owning the upgrade gives dynamic
 * `/stream/...` paths, a port from (async) options, port 0 in tests, 401/404 before the upgrade, and a
 * bootstrap that fails when the port is taken.
 */
@Injectable()
export class StreamsGateway implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Streams');
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly connections = new Set<StreamConnection>();
  private readonly bySocket = new WeakMap<WebSocket, StreamConnection>();
  /** Groups whose re-sync is queued on a socket, so repeated losses of one group re-sync it once. */
  private readonly resyncQueued = new WeakMap<StreamConnection, Set<string>>();
  private readonly listeners = this.socketListeners();
  private heartbeat: NodeJS.Timeout | null = null;
  private bound: { host: string; port: number } | null = null;
  private closing = false;
  /** Upgrades past the cap check and not yet accepted or refused: they count against `maxConnections`. */
  private handshakes = 0;
  private readonly limits: ConnectionLimits;
  private readonly batcher: WriteBatcher;

  constructor(
    @Inject(STREAMS_OPTIONS) private readonly options: ResolvedStreamsOptions,
    private readonly hub: StreamsHub,
    private readonly store: StreamsStore,
    private readonly handlers: StreamHandlersRegistry,
    private readonly metrics: StreamsMetrics,
    @Inject(STREAMS_PRESENCE) private readonly presence: PresenceHub,
  ) {
    hub.onContinuityLost((member, stream, group) => this.continuityLost(member as StreamConnection, stream, group));
    // One object for every connection (built once, so an idle connection carries only a reference).
    this.limits = {
      maxBufferedBytes: options.maxBufferedBytes,
      maxQueuedMessages: options.maxQueuedMessagesPerSocket,
      maxQueuedBytes: options.maxPayloadBytes,
      // A fresh socket may open every subscription it is allowed and still re-join for a second.
      joinBurst: options.maxSubscriptionsPerSocket + options.maxJoinsPerSecond,
      joinsPerSecond: options.maxJoinsPerSecond,
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
    this.logger.log(`Streams listening on ws://${host}:${address.port}`);
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
          c.end(CLOSE_CODES.GOING_AWAY, 'server shutting down');
          setTimeout(() => {
            c.socket.terminate();
            resolve();
          }, CLOSE_GRACE_MS).unref();
        }),
    );
    await Promise.all(closed);
    await Promise.all([...this.connections].map((c) => this.cleanup(c)));
    await this.presence.close();
    await new Promise<void>((resolve) => (this.server.listening ? this.server.close(() => resolve()) : resolve()));
    this.server.closeAllConnections();
  }

  address(): { host: string; port: number } {
    if (!this.bound) throw new Error('The streams listener is not bound yet: call app.init() first');
    return { ...this.bound };
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
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
      const connection = new StreamConnection(ws, auth.context, this.metrics, this.limits, this.batcher);
      if (auth.expiresAt !== null && auth.input) {
        connection.auth = new AuthExpiry(auth.input, auth.expiresAt, this.options.maxRefreshesPerMinute, () =>
          connection.end(CLOSE_CODES.AUTH_EXPIRED, 'authentication expired'),
        );
      }
      this.accept(connection);
      // Tells a client that asked for expiring auth when to refresh (clients that never refresh ignore it).
      if (connection.auth) connection.sendFrame({ type: 'auth', expiresAt: connection.auth.expiresAt });
      if (route.kind === 'stream') {
        const { streamName, groupId, itemId } = route;
        connection.enqueue(() => this.join(connection, { subscriptionId: PATH_SUBSCRIPTION_ID, streamName, groupId, id: itemId }), this.onTaskError);
      }
    });
  }

  private accept(connection: StreamConnection): void {
    const ws = connection.socket;
    this.connections.add(connection);
    this.bySocket.set(ws, connection);
    this.metrics.connections++;
    this.metrics.connectionAccepted();
    // The same four listener functions for every socket (ws calls them with the socket as `this`): no
    // closures per connection, which keeps an idle connection small.
    ws.on('pong', this.listeners.pong);
    ws.on('message', this.listeners.message);
    ws.on('error', this.listeners.error);
    ws.once('close', this.listeners.close);
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
        connection.enqueue(() => gateway.handleMessage(connection, data), gateway.onTaskError, data.length);
      },
      // ws has already closed the socket with the matching code (1007, 1009, 1002); counted, not logged.
      error(this: WebSocket, error: Error & { code?: string }) {
        gateway.metrics.socketError(error.code ?? 'unknown');
      },
      close(this: WebSocket) {
        const connection = connectionOf(this);
        // Queued messages of a closed socket are dropped, not handled: a flood ends when its client leaves.
        connection?.socketClosed(() => gateway.cleanup(connection), gateway.onTaskError);
      },
    };
  }

  private async handleMessage(connection: StreamConnection, data: Buffer): Promise<void> {
    const message = parseClientMessage(data);
    if (message.kind === 'ignore') return;
    if (message.kind === 'error') {
      connection.sendError(message.code, message.message, message.field ? { field: message.field } : {});
      return;
    }
    if (message.kind === 'presence') await this.presenceUpdate(connection, message.subscriptionId, message.state);
    else if (message.kind === 'refresh') await this.refresh(connection, message.token);
    else if (message.kind === 'join') await this.join(connection, message.data);
    else await this.leave(connection, message.data);
  }

  /** A client's own presence state (e.g. typing) for the member one of its subscriptions holds. */
  private async presenceUpdate(connection: StreamConnection, subscriptionId: string, state: unknown): Promise<void> {
    const result = await this.presence.update(connection, subscriptionId, state);
    const { maxStateBytes, maxUpdatesPerSecond } = this.options.presence;
    const errors = {
      not_member: [ERROR_CODES.PRESENCE_NOT_MEMBER, 'this subscription holds no presence member'],
      too_large: [ERROR_CODES.PRESENCE_TOO_LARGE, `presence state is larger than ${maxStateBytes} bytes`],
      rate_limited: [ERROR_CODES.PRESENCE_RATE_LIMITED, `at most ${maxUpdatesPerSecond} presence updates per second per socket`],
      failed: [ERROR_CODES.PRESENCE_FAILED, 'presence could not be stored'],
    } as const;
    if (result !== 'ok') connection.sendError(errors[result][0], errors[result][1], { subscriptionId });
  }

  /**
   * Live re-authentication: the auth function runs again with the new token (and the socket's current
   * context); accepted, the socket gets the new context and expiry, an `auth` frame, and each subscription goes
   * through the join handlers again (one they now reject gets `unauthorized` and is removed; a presence
   * subscription they give another member key holds that member instead); refused, the socket is closed with 4403. Frames keep flowing meanwhile: nothing is re-joined.
   */
  private async refresh(connection: StreamConnection, token: string): Promise<void> {
    const auth = connection.auth;
    if (!auth) return connection.sendError(ERROR_CODES.REFRESH_UNSUPPORTED, 'this connection’s authentication does not expire');
    if (!auth.takeRefresh()) {
      return connection.sendError(ERROR_CODES.REFRESH_RATE_LIMITED, `at most ${this.options.maxRefreshesPerMinute} refreshes per minute per socket`);
    }
    const input = { ...auth.input, refresh: { token, context: connection.context } };
    const outcome = await runAuth(this.options.authFunction, input, this.options.handshakeTimeoutMs);
    if (connection.socket.readyState !== WebSocket.OPEN) return;
    if (!outcome.allowed) {
      this.metrics.connectionRefused(outcome.reason);
      return connection.end(CLOSE_CODES.REFRESH_REFUSED, 'refresh refused');
    }
    connection.context = outcome.context;
    if (outcome.expiresAt === null) {
      auth.stop();
      connection.auth = null;
    } else auth.extend(outcome.expiresAt);
    connection.sendFrame({ type: 'auth', expiresAt: outcome.expiresAt, refreshed: true });
    for (const sub of [...connection.subscriptions.values()]) {
      const decision = await this.handlers.authorizeJoin({ ...connection.payload(sub), reauth: true });
      if (connection.subscriptions.get(sub.subscriptionId) !== sub) continue;
      if (decision.allowed) {
        if (sub.presence) await this.presence.reseat(connection, sub.subscriptionId, decision.presence);
        continue;
      }
      await this.reject(connection, sub);
      await this.drop(connection, sub.subscriptionId);
      await this.handlers.notifyLeave(connection.payload(sub));
    }
  }

  /** Answers a join the handlers refused with `unauthorized` (also sent for a subscription a refresh revoked). */
  private async reject(connection: StreamConnection, request: SubscriptionRequest): Promise<void> {
    // The group's clock keeps the frame in order for iii clients; with the store unreachable the wall
    // clock will do: a refusal must still be answered, and it changes no client state.
    const timestamp = await this.store.position(request.streamName, request.groupId).then((p) => p.timestamp, () => Date.now());
    connection.sendFrame(this.frame(request, timestamp, { type: 'unauthorized' }));
  }

  /** Join: handlers authorize, the group binds (live frames start), then the snapshot and its `sync`. */
  private async join(connection: StreamConnection, request: SubscriptionRequest): Promise<void> {
    const { subscriptionId } = request;
    const replacing = connection.subscriptions.has(subscriptionId);
    if (!replacing && connection.subscriptions.size >= this.options.maxSubscriptionsPerSocket) {
      connection.sendError(ERROR_CODES.SUBSCRIPTION_LIMIT, `at most ${this.options.maxSubscriptionsPerSocket} subscriptions per socket`, { subscriptionId });
      return;
    }
    if (!connection.takeJoin()) {
      connection.sendError(ERROR_CODES.JOIN_RATE_LIMITED, `at most ${this.options.maxJoinsPerSecond} joins per second per socket`, { subscriptionId });
      return;
    }
    const decision = await this.handlers.authorizeJoin(connection.payload(request));
    if (!decision.allowed) return this.reject(connection, request);
    if (replacing) await this.drop(connection, subscriptionId);
    connection.open(request);
    if (request.presence) await this.enterPresence(connection, request, decision.presence);
    // A resume that cannot be served is answered by a sync the client must replace its state with.
    await this.serve(connection, request, request.position !== undefined);
  }

  /** Seats a subscription that asked for presence (watching, and holding the member a join handler named). */
  private async enterPresence(connection: StreamConnection, request: SubscriptionRequest, member: { key: string; data: unknown } | null): Promise<void> {
    const { subscriptionId, streamName, groupId, presence } = request;
    const result = await this.presence.enter(connection, subscriptionId, streamName, groupId, presence!, member);
    if (result === 'full') {
      connection.sendError(ERROR_CODES.PRESENCE_FULL, `the group holds ${this.options.presence.maxMembersPerGroup} members; this subscription only watches`, { subscriptionId });
    } else if (result === 'failed') connection.sendError(ERROR_CODES.PRESENCE_FAILED, 'presence could not be stored', { subscriptionId });
  }

  /**
   * Binds the subscription's group (live frames start) and answers it: from history when it resumes, else
   * with a snapshot `sync`, flagged `continuityLost` when the client is to replace its state rather than
   * merge into it. When the adapter cannot serve it (Redis down or frozen), the subscription is not left
   * bound to nothing: it is detached, the client gets `snapshot_failed` once, and it is served again after
   * a backoff, for as long as the socket keeps it, until its sync goes out (docs/reliability.md).
   */
  private async serve(connection: StreamConnection, request: SubscriptionRequest, continuityLost: boolean, attempt = 0): Promise<void> {
    const { subscriptionId, streamName, groupId, id } = request;
    try {
      await this.hub.bind(streamName, groupId, connection);
      if (request.position !== undefined && (await this.resume(connection, request, request.position))) return;
      const snapshot = await this.store.snapshot(streamName, groupId, id);
      const sync = this.frame(request, snapshot.timestamp, {
        type: 'sync',
        data: snapshot.data,
        ...(continuityLost ? { continuityLost: true } : {}),
        ...this.presenceField(connection, request),
      });
      if (snapshot.epoch) sync.position = formatPosition(snapshot.epoch, snapshot.seq);
      connection.activate(subscriptionId, snapshot.seq, sync);
    } catch (error) {
      const detached = connection.detach(subscriptionId);
      if (!detached) return;
      if (detached.lastOfGroup) await this.hub.unbind(streamName, groupId, connection);
      if (attempt === 0) {
        connection.sendError(ERROR_CODES.SNAPSHOT_FAILED, `snapshot failed: ${(error as Error).message}; retrying`, { subscriptionId, retrying: true });
      }
      const retry = () => connection.reattach(detached.sub) && this.serve(connection, request, continuityLost, attempt + 1);
      setTimeout(() => connection.enqueue(async () => void (await retry()), this.onTaskError), serveRetryDelay(attempt)).unref();
    }
  }

  /**
   * The adapter cannot prove this socket got every frame of a group (SPEC §7.9): each of its subscriptions
   * there gets a fresh `sync` flagged `continuityLost`, in turn with the socket's messages.
   */
  private continuityLost(connection: StreamConnection, stream: string, group: string): void {
    const key = groupKey(stream, group);
    let queued = this.resyncQueued.get(connection);
    if (!queued) this.resyncQueued.set(connection, (queued = new Set()));
    if (queued.has(key)) return;
    queued.add(key);
    const set = queued;
    connection.enqueue(async () => {
      set.delete(key);
      for (const sub of connection.reopen(stream, group)) {
        this.metrics.continuityResyncs++;
        await this.serve(connection, { subscriptionId: sub.subscriptionId, streamName: stream, groupId: group, id: sub.id }, true);
      }
    }, this.onTaskError);
  }

  /** Serves a join carrying a position from history; false when it cannot (the caller re-syncs). */
  private async resume(connection: StreamConnection, request: SubscriptionRequest, token: string): Promise<boolean> {
    const from = parsePosition(token);
    const replay = from && (await this.store.replay(request.streamName, request.groupId, from.epoch, from.seq));
    if (!replay) return false;
    const { seq, epoch } = replay.position;
    const missed = replay.envelopes.filter((e) => request.id === null || e.frame.id === request.id);
    connection.resume(request.subscriptionId, missed, seq, {
      type: 'resumed',
      subscriptionId: request.subscriptionId,
      streamName: request.streamName,
      groupId: request.groupId,
      id: request.id,
      replayed: missed.length,
      position: formatPosition(epoch ?? from.epoch, seq),
      ...this.presenceField(connection, request),
    });
    return true;
  }

  private async leave(connection: StreamConnection, request: SubscriptionRequest): Promise<void> {
    // iii runs leave handlers even for an id that never joined; the payload is what the client sent.
    await this.handlers.notifyLeave(connection.payload(request));
    await this.drop(connection, request.subscriptionId);
  }

  /** `{ presence }` for the sync or `resumed` of a subscription that asked for it; taken as the frame goes out. */
  private presenceField(connection: StreamConnection, request: SubscriptionRequest): { presence?: object } {
    const snapshot = request.presence ? this.presence.snapshot(connection, request.subscriptionId) : null;
    return snapshot ? { presence: snapshot } : {};
  }

  private async drop(connection: StreamConnection, subscriptionId: string): Promise<void> {
    await this.presence.exit(connection, subscriptionId);
    const closed = connection.close(subscriptionId);
    if (closed?.lastOfGroup) await this.hub.unbind(closed.sub.streamName, closed.sub.groupId, connection);
  }

  /** Socket gone: unbind every group and run leave handlers once per remaining subscription. */
  private async cleanup(connection: StreamConnection): Promise<void> {
    if (!this.connections.delete(connection)) return;
    this.metrics.connections--;
    for (const sub of [...connection.subscriptions.values()]) {
      await this.drop(connection, sub.subscriptionId);
      await this.handlers.notifyLeave(connection.payload(sub));
    }
  }

  private readonly onTaskError = (error: unknown): void => {
    this.logger.error(`Streams connection task failed: ${error instanceof Error ? error.message : String(error)}`);
  };

  private beat(): void {
    for (const connection of this.connections) {
      if (!connection.alive) {
        connection.socket.terminate();
        continue;
      }
      connection.alive = false;
      connection.socket.ping();
    }
  }

  private frame(request: SubscriptionRequest, timestamp: number, event: StreamFrame['event']): StreamFrame {
    return { type: 'stream', timestamp, streamName: request.streamName, groupId: request.groupId, id: request.id, event };
  }
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
