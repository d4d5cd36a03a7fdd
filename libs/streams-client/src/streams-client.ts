import { parseServerFrame } from './protocol/server-frame.parser';
import type { AuthFrame, ClientMessage, MutateMessage } from 'nest-realtime-streams-protocol';
import { MemoryMutationQueueStore } from './mutations/mutation-queue.store';
import { type MutationPort, MutationQueue, type MutationResult } from './mutations/mutation.queue';
import { groupKey, type OptimisticChange } from './mutations/optimistic.change';
import { backoffDelay, RECONNECT_DEFAULTS, type ReconnectOptions } from './reconnect.backoff';
import { Emitter, type Listener, type Unsubscribe } from './runtime/emitter';
import { runtime } from './runtime/globals';
import { askingRefusalClose, closeRefusal, REFUSAL_STATUSES, refusalStatus } from './runtime/refusal.status';
import { SOCKET_OPEN, type SocketCloseEvent, type WebSocketConstructor, type WebSocketLike } from './runtime/websocket.types';
import type { ConnectFailure, ConnectionState, GroupSubscriptionOptions, ItemSubscriptionOptions, StreamsClientEvents, StreamsClientOptions } from './streams-client.options';
import type { EventsOf, ItemOf, StreamName, StreamSchema, UntypedStreams } from './stream-schema.types';
import { ChannelRegistry } from './subscriptions/channel.registry';
import { GroupChannel, idExtractor } from './subscriptions/group.channel';
import { GroupSubscription } from './subscriptions/group.subscription';
import { ItemChannel } from './subscriptions/item.channel';
import { ItemSubscription } from './subscriptions/item.subscription';
import type { Channel } from './subscriptions/subscription.channel';
import type { CustomEventHandler } from './subscriptions/subscription.handle';

/** Close code of a deliberate `close()` (RFC 6455 normal closure). */
const NORMAL_CLOSURE = 1000;
/** A refresh goes out when a quarter of the authentication's time is left, at most this long before it ends. */
const REFRESH_LEAD_MAX_MS = 30_000;

/** When to refresh an authentication ending at `expiresAt`: a quarter of its time left, or 30 s before. */
export function refreshDelay(expiresAt: number, now: number): number {
  const left = Math.max(0, expiresAt - now);
  return left - Math.min(REFRESH_LEAD_MAX_MS, left / 4);
}

/**
 * A client of the nest-realtime-streams (iii) WebSocket protocol for browsers and Node. It connects at once,
 * multiplexes every subscription over one socket, reconnects with capped exponential backoff and jitter
 * (whatever closed the socket: a drop, a server shutdown, a slow-consumer 4008), re-joins every live
 * subscription on each new socket from the last position it saw (the server replays what it missed, or
 * sends a fresh sync that replaces the mirror), and drops stale frames by timestamp as iii clients do.
 */
export class StreamsClient<S extends StreamSchema<S> = UntypedStreams> {
  private readonly WebSocketImpl: WebSocketConstructor;
  /** `options.url`, asking the server to say why if it refuses the upgrade. */
  private readonly url: string;
  private readonly reconnect: ReconnectOptions | null;
  private readonly channels = new ChannelRegistry();
  private readonly emitter = new Emitter<StreamsClientEvents>();
  private socket: WebSocketLike | null = null;
  private retryTimer: unknown = null;
  private attempt = 0;
  /** Connection attempts that failed before opening since the last open. */
  private failures = 0;
  /** Status of the current attempt's refused upgrade, read from its error event (Node `ws` only). */
  private upgradeStatus: number | null = null;
  /** The failure that stopped the client in state `refused`. */
  private refusedBy: ConnectFailure | null = null;
  private subscriptionCount = 0;
  private current: ConnectionState = 'connecting';
  /** The pending refresh of the socket's authentication (see `getToken`). */
  private refreshTimer: unknown = null;
  /** Connection attempts started (a stale `getToken` answer is dropped). */
  private attempts = 0;
  private readonly mutations: MutationQueue;

  constructor(private readonly options: StreamsClientOptions) {
    const impl = options.WebSocket ?? runtime.WebSocket;
    if (!impl) throw new TypeError('StreamsClient: no global WebSocket here; pass one as the `WebSocket` option (e.g. the "ws" package)');
    this.WebSocketImpl = impl;
    this.url = askingRefusalClose(options.url);
    this.reconnect = options.reconnect === false ? null : { ...RECONNECT_DEFAULTS, ...options.reconnect };
    this.mutations = new MutationQueue(options.mutations?.store ?? new MemoryMutationQueueStore(), this.mutationPort(), options.mutations?.clientId);
    this.connect();
  }

  get state(): ConnectionState {
    return this.current;
  }

  /** In state `refused`, the attempt the server refused: its `status` and, where the server said, its `reason`. */
  get refusal(): ConnectFailure | null {
    return this.current === 'refused' ? this.refusedBy : null;
  }

  on<K extends keyof StreamsClientEvents>(type: K, listener: Listener<StreamsClientEvents[K]>): Unsubscribe {
    return this.emitter.on(type, listener);
  }

  /** Joins a group and mirrors its items (keyed by the id inside each value, see `idField`). */
  subscribeGroup<N extends StreamName<S>>(
    streamName: N,
    groupId: string,
    options: GroupSubscriptionOptions<ItemOf<S, N>> = {},
  ): GroupSubscription<ItemOf<S, N>, EventsOf<S, N>> {
    const channel = new GroupChannel<ItemOf<S, N>>(this.nextSubscriptionId(), streamName, groupId, idExtractor(options.idField ?? 'id'), options.presence, options.deltas === true);
    channel.outbox = (message) => this.send(message);
    channel.layers = this.mutations;
    // Each move of the mirror may complete the server state a pending mutation waits for.
    channel.changes.on('change', (change) => change.type !== 'optimistic' && this.mutations.mirrorMoved(streamName, groupId));
    channel.changes.on('ready', () => this.mutations.mirrorMoved(streamName, groupId));
    this.attach(channel);
    return new GroupSubscription(channel, (c) => this.detach(c));
  }

  /** Joins one item and mirrors its value; it receives only that item's frames and events sent with its id. */
  subscribeItem<N extends StreamName<S>>(streamName: N, groupId: string, itemId: string, options: ItemSubscriptionOptions = {}): ItemSubscription<ItemOf<S, N>, EventsOf<S, N>> {
    const channel = new ItemChannel<ItemOf<S, N>>(this.nextSubscriptionId(), streamName, groupId, itemId, options.deltas === true);
    this.attach(channel);
    return new ItemSubscription(channel, (c) => this.detach(c));
  }

  /** Listens to one custom event type of a group (joining the group for it); call the result to leave. */
  onEvent<N extends StreamName<S>, K extends keyof EventsOf<S, N> & string>(
    streamName: N,
    groupId: string,
    type: K,
    handler: CustomEventHandler<EventsOf<S, N>[K]>,
  ): Unsubscribe {
    const subscription = this.subscribeGroup(streamName, groupId);
    subscription.onEvent(type, handler);
    return () => subscription.close();
  }

  /**
   * Asks the server to run the mutation handler named `name` (`@OnStreamMutation`) with `args`, exactly once
   * however often it has to be sent. `optimistic` changes show in the group subscriptions' `items` at once,
   * stay on top of server events (rebased) while the mutation is pending, and go once the server state that
   * includes it has arrived, or at once when it is rejected (rollback). Mutations go out in call order and wait
   * in the queue while the client is offline. Resolves with the handler's result; rejects with
   * MutationRejectedError (`code`, `fields`) when the server refused it.
   */
  mutate<R = unknown>(name: string, args?: unknown, options: { optimistic?: OptimisticChange | OptimisticChange[] } = {}): Promise<MutationResult<R>> {
    if (this.current === 'closed') return Promise.reject(new Error('StreamsClient: cannot mutate after close()'));
    const optimistic = options.optimistic === undefined ? [] : Array.isArray(options.optimistic) ? options.optimistic : [options.optimistic];
    return this.mutations.mutate(name, args, optimistic) as Promise<MutationResult<R>>;
  }

  /** Mutations not settled yet (sent or queued, or applied and waiting for the state that includes them). */
  get pendingMutations(): number {
    return this.mutations.pending;
  }

  /** The id this client's mutations carry (stable with `mutations.clientId` or a persistent store). */
  get clientId(): string {
    return this.mutations.id;
  }

  /**
   * Connects again now: after a refusal (state `refused`, e.g. once the app has a new token) or instead of
   * waiting out the backoff. Does nothing while connecting or open, or after `close()`.
   */
  retry(): void {
    if (this.current !== 'refused' && this.current !== 'reconnecting') return;
    if (this.retryTimer !== null) runtime.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.connect();
  }

  /**
   * Sends a fresh token from `getToken` on the open socket now (e.g. the user signed in as someone else); the
   * server re-runs its auth function and re-checks every subscription. When not open, the next connection
   * attempt asks `getToken` anyway.
   */
  reauthenticate(): void {
    if (this.current === 'open' && this.options.getToken) this.refreshNow();
  }

  /** Closes the socket for good: no more reconnects; every subscription is dropped. */
  close(): void {
    this.setState('closed');
    if (this.retryTimer !== null) runtime.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.stopRefresh();
    const socket = this.socket;
    this.socket = null;
    socket?.close(NORMAL_CLOSURE, 'client closed');
    this.channels.clear();
    this.mutations.dispose();
  }

  private connect(): void {
    this.setState('connecting');
    const { protocols, getToken } = this.options;
    if (!getToken) return this.open(typeof protocols === 'function' ? protocols() : protocols);
    // A fresh token for every attempt: a reconnect never reuses one that may have expired meanwhile.
    const attempt = ++this.attempts;
    Promise.resolve()
      .then(getToken)
      .then(
        (token) => {
          if (attempt === this.attempts && this.current === 'connecting') this.open(['Authorization', token]);
        },
        (error: unknown) => {
          if (attempt !== this.attempts || this.current !== 'connecting') return;
          this.emitter.emit('error', { code: 'get_token_failed', message: error instanceof Error ? error.message : String(error) });
          this.upgradeStatus = null;
          this.lost();
        },
      );
  }

  private open(protocols: string | string[] | undefined): void {
    const socket = new this.WebSocketImpl(this.url, protocols);
    this.socket = socket;
    // Events of a socket this client has already given up on are ignored.
    const live = () => this.socket === socket;
    socket.onopen = () => {
      if (live()) this.opened();
    };
    socket.onmessage = (event) => {
      if (live()) this.received(event.data);
    };
    socket.onclose = (event) => {
      if (live()) this.lost(event);
    };
    // A failed connect or a broken socket always ends with a close event; retries start there. The error
    // only tells (in Node's `ws`) the HTTP status of a refused upgrade.
    this.upgradeStatus = null;
    socket.onerror = (event) => {
      if (live() && this.current === 'connecting') this.upgradeStatus = refusalStatus(event);
    };
  }

  private opened(): void {
    this.setState('open');
    for (const channel of this.channels.all()) this.send({ type: 'join', data: channel.joinRequest() });
    this.mutations.opened();
  }

  private received(data: unknown): void {
    const frame = parseServerFrame(data);
    if (frame?.type === 'error') this.emitter.emit('error', frame.error);
    else if (frame?.type === 'resumed') this.channels.routeResumed(frame);
    else if (frame?.type === 'presence') this.channels.routePresence(frame);
    else if (frame?.type === 'auth') this.scheduleRefresh(frame);
    else if (frame?.type === 'mutation') this.mutations.answered(frame);
    else if (frame?.type === 'delta') this.channels.routeDelta(frame);
    else if (frame) this.channels.route(frame);
  }

  /** The socket's authentication ends at `expiresAt`: a fresh token from `getToken` goes out before it does. */
  private scheduleRefresh(frame: AuthFrame): void {
    this.stopRefresh();
    const { getToken } = this.options;
    if (frame.expiresAt === null || !getToken) return;
    this.refreshTimer = runtime.setTimeout(() => {
      this.refreshTimer = null;
      this.refreshNow();
    }, refreshDelay(frame.expiresAt, Date.now()));
  }

  /** Asks `getToken` for a token and sends it as a `refresh` on the socket that is open now. */
  private refreshNow(): void {
    const socket = this.socket;
    Promise.resolve()
      .then(this.options.getToken)
      .then(
        (token) => {
          if (this.socket === socket) this.send({ type: 'refresh', data: { token } });
        },
        // The socket then closes at expiry (4401) and the reconnect asks for a token again.
        (error: unknown) => this.emitter.emit('error', { code: 'get_token_failed', message: error instanceof Error ? error.message : String(error) }),
      );
  }

  private stopRefresh(): void {
    if (this.refreshTimer !== null) runtime.clearTimeout(this.refreshTimer);
    this.refreshTimer = null;
  }

  private lost(event?: SocketCloseEvent): void {
    this.socket = null;
    this.mutations.closed();
    this.stopRefresh();
    // Opened only to be told the upgrade is refused (see `askingRefusalClose`): a failed attempt, not a lost
    // connection, so the backoff and the failure count go on.
    const reason = closeRefusal(event);
    if (this.current === 'open' && !reason) {
      this.attempt = 0;
      this.failures = 0;
    } else {
      // Never opened: a refusal, or an unreachable server (in browsers, also a refusal by a server that cannot say why).
      const failure: ConnectFailure = { status: reason ? 401 : this.upgradeStatus, failures: ++this.failures, reason };
      this.emitter.emit('connectFailed', failure);
      if (this.current === 'closed') return; // a listener called close()
      if (failure.status !== null && REFUSAL_STATUSES.includes(failure.status) && !this.options.retryRefused) {
        this.refusedBy = failure;
        return this.setState('refused');
      }
    }
    if (!this.reconnect) return this.setState('closed');
    this.setState('reconnecting');
    this.retryTimer = runtime.setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, backoffDelay(this.attempt++, this.reconnect));
  }

  private attach(channel: Channel): void {
    if (this.current === 'closed') throw new Error('StreamsClient: cannot subscribe after close()');
    channel.rejoin = () => this.send({ type: 'join', data: channel.joinRequest() });
    this.channels.add(channel);
    if (this.current === 'open') this.send({ type: 'join', data: channel.joinRequest() });
  }

  private detach(channel: Channel): void {
    if (this.channels.remove(channel) && this.current === 'open') this.send({ type: 'leave', data: channel.leaveRequest() });
    channel.dispose();
    // A mutation waiting for this mirror to catch up waits no more.
    this.mutations.mirrorMoved(channel.streamName, channel.groupId);
  }

  private send(message: ClientMessage | MutateMessage): boolean {
    if (this.socket?.readyState !== SOCKET_OPEN) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  /** What the mutation queue may ask of the client: the socket, the group mirrors, the events. */
  private mutationPort(): MutationPort {
    const groups = (keys: string[]) => this.channels.all().filter((c): c is GroupChannel<unknown> => c instanceof GroupChannel && keys.includes(groupKey(c.streamName, c.groupId)));
    return {
      send: (message) => this.send(message),
      position: (streamName, groupId) => {
        const mirrors = groups([groupKey(streamName, groupId)]);
        if (mirrors.length === 0) return undefined;
        return mirrors.find((c) => c.synced && c.position !== null)?.position ?? null;
      },
      changed: (keys) => {
        for (const channel of groups(keys)) channel.optimisticChanged();
        this.emitter.emit('mutations', { pending: this.mutations.pending });
      },
      settled: (outcome) => this.emitter.emit('mutation', outcome),
      failed: (message) => this.emitter.emit('error', { code: 'mutation_store_failed', message }),
    };
  }

  private nextSubscriptionId(): string {
    return `s${++this.subscriptionCount}`;
  }

  private setState(state: ConnectionState): void {
    if (state === this.current) return;
    this.current = state;
    this.emitter.emit('state', state);
  }
}
