import { Inject, Injectable, Logger } from '@nestjs/common';
import { WebSocket } from 'ws';
import type { StreamConnection } from '../gateway/stream-connection';
import { runAuth } from '../gateway/upgrade-auth';
import { StreamsHub } from '../hub/streams.hub';
import type { StreamSubscriptionPayload } from '../interfaces/stream-payloads.interface';
import { StreamsMetrics } from '../metrics/streams-metrics';
import type { ResolvedStreamsOptions } from '../options/streams-options.interface';
import type { PresenceHub } from '../presence/presence.hub';
import { parseClientMessage, type SubscriptionRequest } from '../protocol/client-message.parser';
import { CLOSE_CODES, ERROR_CODES, PATH_SUBSCRIPTION_ID } from '../protocol/protocol.constants';
import { StreamsStore } from '../service/streams.store';
import { STREAMS_OPTIONS, STREAMS_PRESENCE } from '../streams.constants';
import { StreamHandlersRegistry } from '../triggers/stream-handlers.registry';
import { serveRetryDelay } from './serve-retry.delay';
import { type GroupBinding, SnapshotSeam, streamFrame } from './snapshot.seam';

/** The group (and item) a `/stream/...` URL names. */
export interface PathSubscription {
  streamName: string;
  groupId: string;
  itemId: string | null;
}

/**
 * The iii protocol over one accepted socket: join (handlers authorize, the seam answers), leave, resume,
 * refresh, presence frames, the retry of a subscription the adapter could not serve, and the re-sync of
 * groups whose continuity was lost. Every client message runs on the socket's inbound queue, in order.
 */
@Injectable()
export class StreamsSession {
  private readonly logger = new Logger('Streams');
  private readonly seam: SnapshotSeam;
  /** Group bindings whose re-sync is queued and has not read its snapshot yet: a further loss is covered by it. */
  private readonly resyncQueued = new WeakSet<GroupBinding>();

  constructor(
    @Inject(STREAMS_OPTIONS) private readonly options: ResolvedStreamsOptions,
    private readonly store: StreamsStore,
    private readonly handlers: StreamHandlersRegistry,
    private readonly metrics: StreamsMetrics,
    @Inject(STREAMS_PRESENCE) private readonly presence: PresenceHub,
    hub: StreamsHub,
  ) {
    this.seam = new SnapshotSeam(hub, store, metrics);
    // The hub's members are the sockets' group bindings (session/snapshot.seam.ts).
    hub.onContinuityLost((member, stream, group) => this.continuityLost(member as GroupBinding, stream, group));
  }

  /** A socket was accepted: it learns when to refresh, and a `/stream/...` URL joins its group. */
  opened(connection: StreamConnection, path: PathSubscription | null): void {
    // Tells a client that asked for expiring auth when to refresh (clients that never refresh ignore it).
    if (connection.auth) connection.sendFrame({ type: 'auth', expiresAt: connection.auth.expiresAt });
    if (path) {
      const { streamName, groupId, itemId } = path;
      connection.enqueue(() => this.join(connection, { subscriptionId: PATH_SUBSCRIPTION_ID, streamName, groupId, id: itemId }), this.onTaskError);
    }
  }

  /** A client message; call it from the socket's inbound queue. */
  async message(connection: StreamConnection, data: Buffer): Promise<void> {
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

  /** Socket gone: unbind every group and run leave handlers once per remaining subscription. */
  async closed(connection: StreamConnection): Promise<void> {
    for (const sub of connection.subscriptions.list()) {
      await this.drop(connection, sub.subscriptionId);
      await this.handlers.notifyLeave(this.payload(connection, sub));
    }
  }

  /** Every socket is closed: presence is released. */
  async shutdown(): Promise<void> {
    await this.presence.close();
  }

  readonly onTaskError = (error: unknown): void => {
    this.logger.error(`Streams connection task failed: ${error instanceof Error ? error.message : String(error)}`);
  };

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
    const input = { ...auth.input(), refresh: { token, context: connection.context } };
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
    for (const sub of connection.subscriptions.list()) {
      const decision = await this.handlers.authorizeJoin({ ...this.payload(connection, sub), reauth: true });
      if (connection.subscriptions.get(sub.subscriptionId) !== sub) continue;
      if (decision.allowed) {
        if (sub.presence) await this.presence.reseat(connection, sub.subscriptionId, decision.presence);
        continue;
      }
      await this.reject(connection, sub);
      await this.drop(connection, sub.subscriptionId);
      await this.handlers.notifyLeave(this.payload(connection, sub));
    }
  }

  /** Answers a join the handlers refused with `unauthorized` (also sent for a subscription a refresh revoked). */
  private async reject(connection: StreamConnection, request: SubscriptionRequest): Promise<void> {
    // The group's clock keeps the frame in order for iii clients: a Motia item subscription of the same
    // item takes its timestamp as its newest, so a wall-clock stamp ahead of the group's next write (Redis
    // stamps with its own clock) would hide that write. A position is a read: refusals share one tick per
    // write and never delay the group's writes. With the store unreachable the wall clock will do.
    const timestamp = await this.store.position(request.streamName, request.groupId).then((p) => p.timestamp, () => Date.now());
    connection.sendFrame(streamFrame(request, timestamp, { type: 'unauthorized' }));
  }

  /** Join: handlers authorize, then the seam binds the group (live frames start), reads the snapshot and answers. */
  private async join(connection: StreamConnection, request: SubscriptionRequest): Promise<void> {
    const { subscriptionId } = request;
    const subscriptions = connection.subscriptions;
    const replacing = subscriptions.has(subscriptionId);
    if (!replacing && subscriptions.size >= this.options.maxSubscriptionsPerSocket) {
      connection.sendError(ERROR_CODES.SUBSCRIPTION_LIMIT, `at most ${this.options.maxSubscriptionsPerSocket} subscriptions per socket`, { subscriptionId });
      return;
    }
    if (!connection.takeJoin()) {
      connection.sendError(ERROR_CODES.JOIN_RATE_LIMITED, `at most ${this.options.maxJoinsPerSecond} joins per second per socket`, { subscriptionId });
      return;
    }
    const decision = await this.handlers.authorizeJoin(this.payload(connection, request));
    if (!decision.allowed) return this.reject(connection, request);
    if (replacing) await this.drop(connection, subscriptionId);
    this.seam.open(connection, request);
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
   * Answers a subscription through the seam, flagged `continuityLost` when the client is to replace its
   * state rather than merge into it. When the adapter cannot serve it (Redis down or frozen), the
   * subscription is not left bound to nothing: the seam detaches it, the client gets `snapshot_failed` once,
   * and it is served again after a backoff, for as long as the socket keeps it, until its sync goes out
   * (docs/reliability.md).
   */
  private async serve(connection: StreamConnection, request: SubscriptionRequest, continuityLost: boolean, attempt = 0): Promise<void> {
    const failure = await this.seam.serve(connection, request, { continuityLost, presence: () => this.presenceField(connection, request) });
    if (!failure) return;
    const { subscriptionId } = request;
    if (attempt === 0) {
      connection.sendError(ERROR_CODES.SNAPSHOT_FAILED, `snapshot failed: ${(failure.error as Error).message}; retrying`, { subscriptionId, retrying: true });
    }
    const retry = () => connection.subscriptions.reattach(failure.detached) && this.serve(connection, request, continuityLost, attempt + 1);
    setTimeout(() => connection.enqueue(async () => void (await retry()), this.onTaskError), serveRetryDelay(attempt)).unref();
  }

  /**
   * The adapter cannot prove this socket got every frame of a group (SPEC §7.9): its binding there holds the
   * group's frames from this instant (the adapter may deliver the group's new history right after telling),
   * each of its subscriptions there gets a fresh `sync` flagged `continuityLost`, in turn with the socket's
   * messages, and only then do the held frames its snapshot does not contain follow.
   */
  private continuityLost(binding: GroupBinding, stream: string, group: string): void {
    if (this.resyncQueued.has(binding)) return;
    this.resyncQueued.add(binding);
    binding.hold();
    const connection = binding.socket as StreamConnection;
    connection.enqueue(async () => {
      this.resyncQueued.delete(binding);
      try {
        for (const sub of binding.reopen()) {
          this.metrics.continuityResyncs++;
          await this.serve(connection, { subscriptionId: sub.subscriptionId, streamName: stream, groupId: group, id: sub.id }, true);
        }
      } finally {
        binding.release();
      }
    }, this.onTaskError);
  }

  private async leave(connection: StreamConnection, request: SubscriptionRequest): Promise<void> {
    // iii runs leave handlers even for an id that never joined; the payload is what the client sent.
    await this.handlers.notifyLeave(this.payload(connection, request));
    await this.drop(connection, request.subscriptionId);
  }

  /** `{ presence }` for the sync or `resumed` of a subscription that asked for it; taken as the frame goes out. */
  private presenceField(connection: StreamConnection, request: SubscriptionRequest): { presence?: object } {
    const snapshot = request.presence ? this.presence.snapshot(connection, request.subscriptionId) : null;
    return snapshot ? { presence: snapshot } : {};
  }

  /** Both unbind before either awaits anything: nothing reaches a dropped subscription (say, after its `unauthorized`). */
  private async drop(connection: StreamConnection, subscriptionId: string): Promise<void> {
    await Promise.all([this.seam.close(connection, subscriptionId), this.presence.exit(connection, subscriptionId)]);
  }

  private payload(connection: StreamConnection, sub: SubscriptionRequest): StreamSubscriptionPayload {
    return { subscription_id: sub.subscriptionId, stream_name: sub.streamName, group_id: sub.groupId, id: sub.id, context: connection.context ?? null };
  }
}
