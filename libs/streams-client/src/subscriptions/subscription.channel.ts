import { Emitter } from '../runtime/emitter';
import type { StreamFrame, SubscriptionRequest } from '../protocol/wire.types';

/** A custom event (`send` on the server) as handed to `onEvent` handlers, beside its data. */
export interface CustomEventMeta {
  type: string;
  /** Item id the event was sent for, or null. */
  id: string | null;
  timestamp: number;
}

export interface CustomEvent extends CustomEventMeta {
  data: unknown;
}

export interface ChannelEvents<C> {
  change: C;
  unauthorized: undefined;
}

type ChangeType = 'sync' | 'create' | 'update' | 'delete';

/** What the client and the registry need of a channel, whatever its mirror's type. */
export interface Channel {
  readonly streamName: string;
  readonly groupId: string;
  readonly itemId?: string;
  joinRequest(): SubscriptionRequest;
  leaveRequest(): SubscriptionRequest;
  receive(frame: StreamFrame): void;
  dispose(): void;
}

/**
 * One wire subscription: what it joins, and the state its frames build. Frames arrive already routed to it
 * (see ChannelRegistry); subclasses keep the mirror.
 */
export abstract class SubscriptionChannel<C> implements Channel {
  readonly changes = new Emitter<ChannelEvents<C>>();
  readonly customEvents = new Emitter<Record<string, CustomEvent>>();
  synced = false;
  unauthorized = false;
  private lastTimestamp = 0;

  constructor(
    readonly subscriptionId: string,
    readonly streamName: string,
    readonly groupId: string,
    readonly itemId?: string,
  ) {}

  /**
   * The `join` data for a (re)join on a fresh socket. Stale-frame tracking restarts with it: the new
   * connection may be served by another instance. A resume position belongs here once the protocol has one.
   */
  joinRequest(): SubscriptionRequest {
    this.lastTimestamp = 0;
    this.synced = false;
    this.unauthorized = false;
    return this.request();
  }

  leaveRequest(): SubscriptionRequest {
    return this.request();
  }

  private request(): SubscriptionRequest {
    const request: SubscriptionRequest = { subscriptionId: this.subscriptionId, streamName: this.streamName, groupId: this.groupId };
    if (this.itemId !== undefined) request.id = this.itemId;
    return request;
  }

  receive(frame: StreamFrame): void {
    // As iii clients do: a frame not newer than the last one seen is stale (e.g. replayed) and dropped.
    if (frame.timestamp <= this.lastTimestamp) return;
    this.lastTimestamp = frame.timestamp;
    const event = frame.event;
    switch (event.type) {
      case 'event':
        this.customEvents.emit(event.event.type, { type: event.event.type, data: event.event.data, id: frame.id, timestamp: frame.timestamp });
        return;
      case 'unauthorized':
        this.unauthorized = true;
        this.clear();
        this.changes.emit('unauthorized', undefined);
        return;
      default:
        if (event.type === 'sync') this.synced = true;
        this.apply(event.type, frame.id, event.data, frame.timestamp);
    }
  }

  dispose(): void {
    this.changes.clear();
    this.customEvents.clear();
  }

  protected abstract apply(type: ChangeType, id: string | null, data: unknown, timestamp: number): void;

  protected abstract clear(): void;
}
