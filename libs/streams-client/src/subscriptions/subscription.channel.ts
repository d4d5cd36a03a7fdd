import { Emitter } from '../runtime/emitter';
import {
  applyItemChange,
  type DeltaFrame,
  type ItemVersion,
  type JoinRefusal,
  type PresenceFrame,
  type PresenceSnapshot,
  type ResumedFrame,
  type StreamFrame,
  type SubscriptionRequest,
} from 'nest-realtime-streams-protocol';
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

/**
 * The versions a frame gives the mirror: a change's resulting version (a full `create`/`update` is at its
 * frame's position), or, for a delta subscription's sync, each item's id and version (`items`) or the item's.
 */
export interface ChangeVersions {
  version: string | null;
  items?: ItemVersion[];
}

/** What the client and the registry need of a channel, whatever its mirror's type. */
export interface Channel {
  readonly subscriptionId: string;
  readonly streamName: string;
  readonly groupId: string;
  readonly itemId?: string;
  /** Set by the client: sends this channel's join on the live socket (a re-sync). */
  rejoin: (() => void) | null;
  joinRequest(): SubscriptionRequest;
  leaveRequest(): SubscriptionRequest;
  receive(frame: StreamFrame): void;
  receiveDelta(frame: DeltaFrame): void;
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
  /** Sends a join for this channel on the live socket (set by the client): a re-sync when a delta cannot apply. */
  rejoin: (() => void) | null = null;
  /** A re-sync was asked for: frames before its sync are about the mirror it replaces, and are skipped. */
  private resyncing = false;
  private readonly cursor = new StreamCursor();

  constructor(
    readonly subscriptionId: string,
    readonly streamName: string,
    readonly groupId: string,
    readonly itemId?: string,
    /** Asks the server for deltas (SPEC §9): `update` frames carry the change, syncs the versions. */
    readonly deltas = false,
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
    this.resyncing = false;
    const position = this.cursor.join();
    return position === null ? this.request() : { ...this.request(), position };
  }

  leaveRequest(): SubscriptionRequest {
    return this.request();
  }

  protected request(): SubscriptionRequest {
    const request: SubscriptionRequest = { subscriptionId: this.subscriptionId, streamName: this.streamName, groupId: this.groupId };
    if (this.itemId !== undefined) request.id = this.itemId;
    if (this.deltas) request.deltas = true;
    return request;
  }

  /** A frame of the stream; replayed frames of a resume come here too, and are applied like live ones. */
  receive(frame: StreamFrame): void {
    if (this.resyncing && frame.event.type !== 'sync' && frame.event.type !== 'unauthorized') return;
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
        this.resyncing = false;
        this.caughtUp(ready);
        this.apply(event.type, frame.id, event.data, frame.timestamp, { version: event.version ?? null, items: event.items });
        if (event.presence) this.presenceReset?.(event.presence);
        this.changes.emit('ready', ready);
        return;
      }
      default:
        // A full value is at its frame's position (SPEC §8: an item's version is its last write's position).
        this.apply(event.type, frame.id, event.data, frame.timestamp, { version: frame.position ?? null });
    }
  }

  /**
   * A delta (SPEC §9) applies only to the version it names (`base`): then with the same op engine the server
   * ran. A duplicate (not past the mirror's position) is skipped; anything else means the mirror missed a
   * change, and the client never guesses: it re-joins for a fresh sync (docs/reference/protocol.md, "Deltas").
   */
  receiveDelta(frame: DeltaFrame): void {
    if (this.resyncing) return;
    const place = this.cursor.admitDelta(frame);
    if (place === 'stale') return;
    const current = place !== 'unplaced' && this.versionOf(frame.id) === place.base ? this.valueOf(frame.id) : undefined;
    const next = current && applyItemChange(current.value, frame);
    // A delta has no timestamp of its own: listeners get the time it arrived.
    if (next?.ok && place !== 'unplaced') return this.apply('update', frame.id, next.value, Date.now(), { version: place.version });
    this.resync();
  }

  /** Asks for a fresh sync of this subscription (its position dropped, so the join cannot resume). */
  private resync(): void {
    this.cursor.forget();
    this.rejoin?.();
    // After the join went out (a join resets the flag): until its sync, frames are about the mirror it replaces.
    this.resyncing = true;
  }

  /** The join resumed: the missed frames have been received, the mirror is caught up. */
  receiveResumed(frame: ResumedFrame): void {
    // A delta subscription's mirror must now hold exactly the versions the server lists; if not, it missed
    // something before it was cut off: re-sync rather than go on from a wrong state.
    if (this.deltas && !this.holds(frame)) return this.resync();
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

  protected abstract apply(type: ChangeType, id: string | null, data: unknown, timestamp: number, versions: ChangeVersions): void;

  /** Whether the mirror is at the versions a `resumed` lists (true when it lists none: a custom stream). */
  protected abstract holds(frame: ResumedFrame): boolean;

  /** The version the mirror holds of an item: undefined when it has no such item, null when it has no version. */
  protected abstract versionOf(id: string): string | null | undefined;

  /** The mirror's value of an item, undefined when it has none. */
  protected abstract valueOf(id: string): { value: unknown } | undefined;

  protected abstract clear(): void;
}
