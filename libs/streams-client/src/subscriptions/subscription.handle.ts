import type { Listener, Unsubscribe } from '../runtime/emitter';
import type { ChannelEvents, CustomEventMeta, SubscriptionChannel } from './subscription.channel';

/** Typed custom event handler: `data` has the type the stream schema gives that event. */
export type CustomEventHandler<D> = (data: D, meta: CustomEventMeta) => void;

/**
 * What `subscribeGroup` / `subscribeItem` return: the mirror's state, its change and custom events, and
 * `close()` (leave). The subscription survives reconnects: it is re-joined and re-synced on each new socket.
 */
export abstract class Subscription<C, E extends object, Ch extends SubscriptionChannel<C> = SubscriptionChannel<C>> {
  private closed = false;

  constructor(
    protected readonly channel: Ch,
    private readonly leave: (channel: Ch) => void,
  ) {}

  get streamName(): string {
    return this.channel.streamName;
  }

  get groupId(): string {
    return this.channel.groupId;
  }

  /** A sync arrived since the last (re)join. */
  get synced(): boolean {
    return this.channel.synced;
  }

  /** The server rejected the join (it is retried on the next reconnect). */
  get unauthorized(): boolean {
    return this.channel.unauthorized;
  }

  /** `change` after each applied frame (the mirror is already updated); `unauthorized` when the join is rejected. */
  on<K extends keyof ChannelEvents<C>>(type: K, listener: Listener<ChannelEvents<C>[K]>): Unsubscribe {
    return this.channel.changes.on(type, listener);
  }

  /** Custom events of this subscription (`StreamsService.send`), typed by the stream schema. */
  onEvent<K extends keyof E & string>(type: K, handler: CustomEventHandler<E[K]>): Unsubscribe {
    return this.channel.customEvents.on(type, ({ data, ...meta }) => handler(data as E[K], meta));
  }

  /** Leaves the subscription and drops its listeners. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.leave(this.channel);
  }
}
