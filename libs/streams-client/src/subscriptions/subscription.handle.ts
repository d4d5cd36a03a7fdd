import type { Listener, Unsubscribe } from '../runtime/emitter';
import type { JoinRefusal } from 'nest-realtime-streams-protocol';
import type { ChannelEvents, CustomEventMeta, SubscriptionChannel } from './subscription.channel';

/** Typed custom event handler: `data` has the type the stream schema gives that event. */
export type CustomEventHandler<D> = (data: D, meta: CustomEventMeta) => void;

/**
 * What `subscribeGroup` / `subscribeItem` return: the mirror's state, its change and custom events, and
 * `close()` (leave). The subscription survives reconnects: on each new socket it is re-joined from its
 * `position`, and either resumed (the missed frames are applied) or re-synced.
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

  /** The mirror caught up since the last (re)join: a sync arrived, or the server resumed the subscription. */
  get synced(): boolean {
    return this.channel.synced;
  }

  /** The last (re)join was resumed: the mirror kept its state and the frames missed meanwhile were applied. */
  get resumed(): boolean {
    return this.channel.resumed;
  }

  /**
   * The last (re)join asked to resume but the server could not (history window passed, server restarted):
   * the mirror was replaced by a fresh sync, and frames missed meanwhile are not known one by one.
   */
  get continuityLost(): boolean {
    return this.channel.continuityLost;
  }

  /** Where the mirror is in the group's history (opaque); null before the first sync or without server support. */
  get position(): string | null {
    return this.channel.position;
  }

  /** The server rejected the join (it is retried on the next reconnect). */
  get unauthorized(): boolean {
    return this.channel.unauthorized;
  }

  /** Why the join was rejected, when the server said (`{ code, message }`, e.g. a join handler's `ForbiddenException('…')`). */
  get refusal(): JoinRefusal | null {
    return this.channel.refusal;
  }

  /**
   * `change` after each applied frame (the mirror is already updated); `ready` once the mirror has caught up
   * after a join (by a sync or a resume); `unauthorized` when the join is rejected.
   */
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
