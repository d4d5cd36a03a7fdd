import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuthExpiry } from '../auth/auth-expiry';
import { type AuthGranted, runAuth } from '../auth/auth.runner';
import { StreamsHub } from '../hub/streams.hub';
import type { StreamSubscriptionPayload } from '../interfaces/stream-payloads.interface';
import { StreamsMetrics } from '../metrics/streams-metrics';
import { MutationsRunner } from '../mutations/mutations.runner';
import type { ResolvedStreamsOptions } from '../options/streams-options.interface';
import type { PresenceHub } from '../presence/presence.hub';
import type { PresenceSnapshot } from 'nest-realtime-streams-protocol';
import { parseClientMessage, type SubscriptionRequest } from '../protocol/client-message.parser';
import { CLOSE_CODES, ERROR_CODES, PATH_SUBSCRIPTION_ID, type ProtocolErrorCode } from '../protocol/protocol.constants';
import { StreamsStore } from '../service/streams.store';
import type { StreamAuthInput } from '../options/streams-options.interface';
import { STREAMS_OPTIONS, STREAMS_PRESENCE } from '../streams.constants';
import { type JoinRefusal, StreamHandlersRegistry } from '../triggers/stream-handlers.registry';
import { ClientSession, type Resyncer } from './client-session';
import { serveRetryDelay } from './serve-retry.delay';
import { type GroupBinding, SnapshotSeam, streamFrame } from './snapshot.seam';
import type { SocketPort } from './socket.port';

/** The transport holds each socket's session for the handler, and names it by this entry point only. */
export type { ClientSession };

/** The group (and item) a `/stream/...` URL names. */
export interface PathSubscription {
  streamName: string;
  groupId: string;
  itemId: string | null;
}

/**
 * The iii protocol, the session's entry point: stateless, over each socket's `ClientSession`. Join (handlers
 * authorize, the seam answers), leave, resume, refresh, presence frames, the retry of a subscription the
 * adapter could not serve, and the re-sync of groups whose continuity was lost. Every client message runs on the socket's inbound queue, in order.
 */
@Injectable()
export class StreamsSession implements Resyncer {
  private readonly logger = new Logger('Streams');
  private readonly seam: SnapshotSeam;

  constructor(
    @Inject(STREAMS_OPTIONS) private readonly options: ResolvedStreamsOptions,
    private readonly store: StreamsStore,
    private readonly handlers: StreamHandlersRegistry,
    private readonly metrics: StreamsMetrics,
    @Inject(STREAMS_PRESENCE) private readonly presence: PresenceHub,
    hub: StreamsHub,
    private readonly mutations: MutationsRunner,
  ) {
    this.seam = new SnapshotSeam(hub, store, metrics);
  }

  /**
   * A socket was accepted with this authentication (`input`: what the auth function ran with, kept for a
   * refresh when it expires): its session, which learns when to refresh; a `/stream/...` URL joins its group.
   */
  opened(port: SocketPort, auth: Omit<AuthGranted, 'allowed'> & { input?: StreamAuthInput }, path: PathSubscription | null): ClientSession {
    const client = new ClientSession(port, auth.context, this.options.limits, this);
    if (auth.expiresAt !== null && auth.input) {
      client.auth = new AuthExpiry(auth.input, auth.expiresAt, this.options.limits.refreshesPerSecond, expire(port));
      // Tells a client that asked for expiring auth when to refresh (clients that never refresh ignore it).
      port.sendFrame({ type: 'auth', expiresAt: auth.expiresAt });
    }
    if (path) {
      const { streamName, groupId, itemId } = path;
      port.enqueue(() => this.join(client, { subscriptionId: PATH_SUBSCRIPTION_ID, streamName, groupId, id: itemId }), this.onTaskError);
    }
    return client;
  }

  /** A client message; call it from the socket's inbound queue. */
  async message(client: ClientSession, data: Buffer): Promise<void> {
    const message = parseClientMessage(data);
    if (message.kind === 'ignore') return;
    if (message.kind === 'error') {
      const { field, mutationId } = message;
      this.error(client, message.code, message.message, { ...(field && { field }), ...(mutationId !== undefined && { mutationId }) });
      return;
    }
    if (message.kind === 'mutate') return this.mutations.receive(client, message.request);
    if (message.kind === 'presence') await this.presenceUpdate(client, message.subscriptionId, message.state);
    else if (message.kind === 'refresh') await this.refresh(client, message.token);
    else if (message.kind === 'join') await this.join(client, message.data);
    else await this.leave(client, message.data);
  }

  /** Socket gone: unbind every group and run leave handlers once per remaining subscription. */
  async closed(client: ClientSession): Promise<void> {
    for (const sub of client.subscriptions.list()) {
      await this.drop(client, sub.subscriptionId);
      await this.handlers.notifyLeave(this.payload(client, sub));
    }
  }

  /** Every socket is closed: presence is released. */
  async shutdown(): Promise<void> {
    await this.presence.close();
  }

  readonly onTaskError = (error: unknown): void => {
    this.logger.error(`Streams client task failed: ${error instanceof Error ? error.message : String(error)}`);
  };

  /** A client's own presence state (e.g. typing) for the member one of its subscriptions holds. */
  private async presenceUpdate(client: ClientSession, subscriptionId: string, state: unknown): Promise<void> {
    const result = await this.presence.update(client, subscriptionId, state);
    const { maxStateBytes, updatesPerSecond } = this.options.presence;
    const errors = {
      not_member: [ERROR_CODES.PRESENCE_NOT_MEMBER, 'this subscription holds no presence member'],
      too_large: [ERROR_CODES.PRESENCE_TOO_LARGE, `presence state is larger than ${maxStateBytes} bytes`],
      rate_limited: [ERROR_CODES.PRESENCE_RATE_LIMITED, `at most ${updatesPerSecond} presence updates per second per socket`],
      failed: [ERROR_CODES.PRESENCE_FAILED, 'presence could not be stored'],
    } as const;
    if (result !== 'ok') this.error(client, errors[result][0], errors[result][1], { subscriptionId });
  }

  /**
   * Live re-authentication: the auth function runs again with the new token (and the socket's current
   * context); accepted, the socket gets the new context and expiry, an `auth` frame, and each subscription goes
   * through the join handlers again (one they now reject gets `unauthorized` and is removed; a presence
   * subscription they give another member key holds that member instead); refused, the socket is closed with 4403. Frames keep flowing meanwhile: nothing is re-joined.
   */
  private async refresh(client: ClientSession, token: string): Promise<void> {
    const auth = client.auth;
    if (!auth) return this.error(client, ERROR_CODES.REFRESH_UNSUPPORTED, 'this client’s authentication does not expire');
    if (!auth.takeRefresh()) {
      return this.error(client, ERROR_CODES.REFRESH_RATE_LIMITED, `at most ${this.options.limits.refreshesPerSecond} refreshes per second per socket`);
    }
    const input = { ...auth.input(), refresh: { token, context: client.context } };
    const outcome = await runAuth(this.options.authFunction, input, this.options.timeouts.handshakeMs);
    if (!client.port.open) return;
    if (!outcome.allowed) {
      this.metrics.connectionRefused(outcome.reason);
      return client.port.close(CLOSE_CODES.REFRESH_REFUSED, 'refresh refused');
    }
    client.context = outcome.context;
    if (outcome.expiresAt === null) {
      auth.stop();
      client.auth = null;
    } else auth.extend(outcome.expiresAt);
    client.port.sendFrame({ type: 'auth', expiresAt: outcome.expiresAt, refreshed: true });
    for (const sub of client.subscriptions.list()) {
      const decision = await this.handlers.authorizeJoin({ ...this.payload(client, sub), reauth: true });
      if (client.subscriptions.get(sub.subscriptionId) !== sub) continue;
      if (decision.allowed) {
        if (sub.presence) await this.presence.reseat(client, sub.subscriptionId, decision.presence);
        continue;
      }
      await this.reject(client, sub, decision.refusal);
      await this.drop(client, sub.subscriptionId);
      await this.handlers.notifyLeave(this.payload(client, sub));
    }
  }

  /** Answers a join the handlers refused with `unauthorized` (also sent for a subscription a refresh revoked). */
  private async reject(client: ClientSession, request: SubscriptionRequest, why: JoinRefusal | null): Promise<void> {
    // The group's clock keeps the frame in order for iii clients: a Motia item subscription of the same
    // item takes its timestamp as its newest, so a wall-clock stamp ahead of the group's next write (Redis
    // stamps with its own clock) would hide that write. A position is a read: refusals share one tick per
    // write and never delay the group's writes. With the store unreachable the wall clock will do.
    const timestamp = await this.store.position(request.streamName, request.groupId).then((p) => p.timestamp, () => Date.now());
    // The reason is additive: a refusal no handler explained keeps iii's exact frame.
    client.port.sendFrame(streamFrame(request, timestamp, why ? { type: 'unauthorized', error: why } : { type: 'unauthorized' }));
  }

  /** Join: handlers authorize, then the seam binds the group (live frames start), reads the snapshot and answers. */
  private async join(client: ClientSession, request: SubscriptionRequest): Promise<void> {
    const { subscriptionId } = request;
    const subscriptions = client.subscriptions;
    const replacing = subscriptions.has(subscriptionId);
    const { subscriptionsPerSocket, joinsPerSecond } = this.options.limits;
    if (!replacing && subscriptions.size >= subscriptionsPerSocket) {
      this.error(client, ERROR_CODES.SUBSCRIPTION_LIMIT, `at most ${subscriptionsPerSocket} subscriptions per socket`, { subscriptionId });
      return;
    }
    if (!client.takeJoin()) {
      this.error(client, ERROR_CODES.JOIN_RATE_LIMITED, `at most ${joinsPerSecond} joins per second per socket`, { subscriptionId });
      return;
    }
    const decision = await this.handlers.authorizeJoin(this.payload(client, request));
    if (!decision.allowed) return this.reject(client, request, decision.refusal);
    if (replacing) await this.drop(client, subscriptionId);
    this.seam.open(client, request);
    if (request.presence) await this.enterPresence(client, request, decision.presence);
    // A resume that cannot be served is answered by a sync the client must replace its state with.
    await this.serve(client, request, request.position !== undefined);
  }

  /** Seats a subscription that asked for presence (watching, and holding the member a join handler named). */
  private async enterPresence(client: ClientSession, request: SubscriptionRequest, member: { key: string; data: unknown } | null): Promise<void> {
    const { subscriptionId, streamName, groupId, presence } = request;
    const result = await this.presence.enter(client, subscriptionId, streamName, groupId, presence!, member);
    if (result === 'full') {
      this.error(client, ERROR_CODES.PRESENCE_FULL, `the group holds ${this.options.presence.maxMembersPerGroup} members; this subscription only watches`, { subscriptionId });
    } else if (result === 'failed') this.error(client, ERROR_CODES.PRESENCE_FAILED, 'presence could not be stored', { subscriptionId });
  }

  /**
   * Answers a subscription through the seam, flagged `continuityLost` when the client is to replace its
   * state rather than merge into it. When the adapter cannot serve it (Redis down or frozen), the
   * subscription is not left bound to nothing: the seam detaches it, the client gets `snapshot_failed` once,
   * and it is served again after a backoff, for as long as the socket keeps it, until its sync goes out
   * (docs/internals/reliability.md).
   */
  private async serve(client: ClientSession, request: SubscriptionRequest, continuityLost: boolean, attempt = 0): Promise<void> {
    const failure = await this.seam.serve(client, request, { continuityLost, presence: () => this.presenceField(client, request) });
    if (!failure) return;
    const { subscriptionId } = request;
    if (attempt === 0) {
      this.error(client, ERROR_CODES.SNAPSHOT_FAILED, `snapshot failed: ${(failure.error as Error).message}; retrying`, { subscriptionId, retrying: true });
    }
    const retry = () => client.subscriptions.reattach(failure.detached) && this.serve(client, request, continuityLost, attempt + 1);
    setTimeout(() => client.port.enqueue(async () => void (await retry()), this.onTaskError), serveRetryDelay(attempt)).unref();
  }

  /**
   * Re-syncs a socket's subscriptions on a group whose continuity was lost (SPEC §7.9; queued by its session,
   * with the group's frames held): each gets a fresh `sync` flagged `continuityLost`, then the held frames its
   * snapshot does not contain follow.
   */
  async resync(client: ClientSession, binding: GroupBinding, stream: string, group: string): Promise<void> {
    for (const sub of binding.reopen()) {
      this.metrics.continuityResyncs++;
      const request = { subscriptionId: sub.subscriptionId, streamName: stream, groupId: group, id: sub.id };
      await this.serve(client, sub.deltas ? { ...request, deltas: true } : request, true);
    }
  }

  private async leave(client: ClientSession, request: SubscriptionRequest): Promise<void> {
    // iii runs leave handlers even for an id that never joined; the payload is what the client sent.
    await this.handlers.notifyLeave(this.payload(client, request));
    await this.drop(client, request.subscriptionId);
  }

  /** `{ presence }` for the sync or `resumed` of a subscription that asked for it; taken as the frame goes out. */
  private presenceField(client: ClientSession, request: SubscriptionRequest): { presence?: PresenceSnapshot } {
    const snapshot = request.presence ? this.presence.snapshot(client, request.subscriptionId) : null;
    return snapshot ? { presence: snapshot } : {};
  }

  /** Both unbind before either awaits anything: nothing reaches a dropped subscription (say, after its `unauthorized`). */
  private async drop(client: ClientSession, subscriptionId: string): Promise<void> {
    await Promise.all([this.seam.close(client, subscriptionId), this.presence.exit(client, subscriptionId)]);
  }

  private error(client: ClientSession, code: ProtocolErrorCode, message: string, extra: Record<string, unknown> = {}): void {
    this.metrics.protocolError(code);
    client.port.sendFrame({ type: 'error', error: { code, message, ...extra } });
  }

  private payload(client: ClientSession, sub: SubscriptionRequest): StreamSubscriptionPayload {
    return { subscription_id: sub.subscriptionId, stream_name: sub.streamName, group_id: sub.groupId, id: sub.id, context: client.context ?? null };
  }
}

/**
 * The expiry callback, made out here: a closure made inside `opened` would keep that call's whole scope
 * (the auth input with its headers) alive for the socket's life.
 */
function expire(port: SocketPort): () => void {
  return () => port.close(CLOSE_CODES.AUTH_EXPIRED, 'authentication expired');
}
