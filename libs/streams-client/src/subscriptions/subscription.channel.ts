import { Emitter } from '../runtime/emitter';
import type { JoinRefusal, PresenceFrame, PresenceSnapshot, ResumedFrame, StreamFrame, SubscriptionRequest } from 'nest-realtime-streams-protocol';
import type { PresenceChange } from './presence.mirror';
import { StreamCursor } from './stream.cursor';

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

/**
 * How the mirror caught up after a join: rebuilt by a `sync` (`continuityLost` when a resume was asked for
 * but could not be served), or brought forward by a resume that replayed `replayed` missed frames.
 */
export type ReadyEvent =
  | { type: 'sync'; continuityLost: boolean; position: string | null }
  | { type: 'resumed'; replayed: number; position: string };

export interface ChannelEvents<C> {
  change: C;
  ready: ReadyEvent;
  /** Why, when the server said (null otherwise). */
  unauthorized: JoinRefusal | null;
  /** Group subscriptions with presence: the presence view changed (it is already updated). */
  presence: PresenceChange;
}

type ChangeType = 'sync' | 'create' | 'update' | 'delete';

/** What the client and the registry need of a channel, whatever its mirror's type. */
export interface Channel {
  readonly subscriptionId: string;
  readonly streamName: string;
  readonly groupId: string;
  readonly itemId?: string;
  joinRequest(): SubscriptionRequest;
  leaveRequest(): SubscriptionRequest;
  receive(frame: StreamFrame): void;
  receiveResumed(frame: ResumedFrame): void;
  /** Group channels that asked for presence only. */
  receivePresence?(frame: PresenceFrame): void;
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
  refusal: JoinRefusal | null = null;
  resumed = false;
  continuityLost = false;
  private readonly cursor = new StreamCursor();

  constructor(
    readonly subscriptionId: string,
    readonly streamName: string,
    readonly groupId: string,
    readonly itemId?: string,
  ) {}

  get position(): string | null {
    return this.cursor.position;
  }

  /** The `join` data for a (re)join on a fresh socket: with the mirror's position, if it has one, to resume. */
  joinRequest(): SubscriptionRequest {
    this.synced = false;
    this.unauthorized = false;
    this.refusal = null;
    this.resumed = false;
    this.continuityLost = false;
    const position = this.cursor.join();
    return position === null ? this.request() : { ...this.request(), position };
  }

  leaveRequest(): SubscriptionRequest {
    return this.request();
  }

  protected request(): SubscriptionRequest {
    const request: SubscriptionRequest = { subscriptionId: this.subscriptionId, streamName: this.streamName, groupId: this.groupId };
    if (this.itemId !== undefined) request.id = this.itemId;
    return request;
  }

  /** A frame of the stream; replayed frames of a resume come here too, and are applied like live ones. */
  receive(frame: StreamFrame): void {
    if (!this.cursor.admit(frame)) return;
    const event = frame.event;
    switch (event.type) {
      case 'event':
        this.customEvents.emit(event.event.type, { type: event.event.type, data: event.event.data, id: frame.id, timestamp: frame.timestamp });
        return;
      case 'unauthorized':
        this.unauthorized = true;
        this.refusal = event.error ?? null;
        this.clear();
        this.changes.emit('unauthorized', this.refusal);
        return;
      case 'sync': {
        // A sync always replaces the mirror, so one flagged continuityLost needs nothing more than the flag.
        const ready: ReadyEvent = { type: 'sync', continuityLost: event.continuityLost === true, position: this.position };
        this.caughtUp(ready);
        this.apply(event.type, frame.id, event.data, frame.timestamp);
        if (event.presence) this.presenceReset?.(event.presence);
        this.changes.emit('ready', ready);
        return;
      }
      default:
        this.apply(event.type, frame.id, event.data, frame.timestamp);
    }
  }

  /** The join resumed: the missed frames have been received, the mirror is caught up. */
  receiveResumed(frame: ResumedFrame): void {
    this.cursor.resumed(frame.position);
    const ready: ReadyEvent = { type: 'resumed', replayed: frame.replayed, position: frame.position };
    this.caughtUp(ready);
    if (frame.presence) this.presenceReset?.(frame.presence);
    this.changes.emit('ready', ready);
  }

  /** The presence list of an answered join; group channels with presence keep it. */
  protected presenceReset?(snapshot: PresenceSnapshot): void;

  dispose(): void {
    this.changes.clear();
    this.customEvents.clear();
  }

  /** Set before the mirror changes, so `change` listeners already see how the join was answered. */
  private caughtUp(ready: ReadyEvent): void {
    this.synced = true;
    this.resumed = ready.type === 'resumed';
    this.continuityLost = ready.type === 'sync' && ready.continuityLost;
  }

  protected abstract apply(type: ChangeType, id: string | null, data: unknown, timestamp: number): void;

  protected abstract clear(): void;
}
