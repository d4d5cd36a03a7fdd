import type { StreamEnvelope, StreamSnapshot } from '../adapters/stream-adapter.interface';
import { encodeDelta, encodeEnvelope, type HubEvent } from '../hub/hub.event';
import type { GroupMember, StreamsHub } from '../hub/streams.hub';
import { formatPosition, parsePosition, type PresenceSnapshot, type StreamFrame } from 'nest-realtime-streams-protocol';
import type { StreamsMetrics } from '../metrics/streams-metrics';
import type { SubscriptionRequest } from '../protocol/client-message.parser';
import type { StreamsStore } from '../service/streams.store';
import type { SocketPort } from './socket.port';

/** A socket's session as the seam sees it (ClientSession): its port, its subscriptions, and who re-syncs a group. */
export interface SeamSession {
  readonly port: SocketPort;
  readonly subscriptions: SocketSubscriptions;
  /** The hub cannot prove the binding's group reached the socket completely: re-sync its subscriptions there. */
  continuityLost(binding: GroupBinding, stream: string, group: string): void;
}

export interface Subscription extends SubscriptionRequest {
  /** Frames with `seq` up to this are in the subscription's snapshot; null while the snapshot is taken. */
  since: number | null;
  /**
   * The epoch of the snapshot (or resume point): `since` counts in it, and a delta frame's versions are in it
   * (the client knows it from the position it was answered with). Null for a store without positions.
   */
  epoch: string | null;
  /** The socket's binding for its group; null while detached (out of its group's frames until its snapshot can be read, see `detach`). */
  binding: GroupBinding | null;
}

/**
 * This socket's subscriptions to one group, and the events held back while one of them takes its snapshot.
 * It is the hub's member for the group itself, so the hub hands each event straight to it (no lookup per
 * delivery); routing among the subscriptions happens here, so a socket gets each event once (SPEC §7.3).
 */
export class GroupBinding implements GroupMember {
  /**
   * Replaced, never grown in place: an array of exactly its length (most bindings hold one subscription)
   * is far smaller than a Set, and joins and leaves are rare next to deliveries.
   */
  subs: readonly Subscription[] = [];
  pending = 0;
  /** Created only while a snapshot is pending, so an idle binding costs no array. */
  private held: HubEvent[] | null = null;
  /**
   * The common case, one subscription, routed from a copy of its `since` and `id` kept here: the fan-out then
   * reads this object only, not the array nor the subscription (at 5,000 sockets each object read is a likely
   * cache miss). Kept by `pick`, run whenever the set changes or the last snapshot phase ends: the only points
   * after which routing can see a changed `since` (it runs only while no snapshot is pending).
   */
  private single = false;
  private singleSince = Infinity;
  private singleEpoch: string | null = null;
  private singleId: string | null = null;
  private singleDeltas = false;
  /**
   * The group's events reach this binding in seq order; `runFrom` is where the latest unbroken run of them
   * began (a seq that is not the last one + 1 starts a new run). A delta subscription whose snapshot (`since`)
   * is at or after the run's start has seen every event since, so it holds the base of any change (SPEC §9).
   */
  private lastSeq = -2;
  private runFrom = Infinity;
  /** Where the binding writes events: its socket's port (read once here, one object less per delivery). */
  private readonly port: SocketPort;

  /** `session`: the socket's session the binding belongs to (it re-syncs the group on a continuity loss). */
  constructor(readonly session: SeamSession) {
    this.port = session.port;
  }

  add(sub: Subscription): void {
    this.subs = appended(this.subs, sub);
    this.pick();
  }

  /** False when the subscription was not here. */
  delete(sub: Subscription): boolean {
    const rest = without(this.subs, sub);
    if (rest === this.subs) return false;
    this.subs = rest;
    this.pick();
    return true;
  }

  /** An event of the group (from the hub). */
  deliver(event: HubEvent): void {
    const seq = event.envelope.seq;
    if (seq !== this.lastSeq + 1) this.runFrom = seq;
    this.lastSeq = seq;
    if (this.pending > 0) (this.held ??= []).push(event);
    else this.route(event);
  }

  /** The hub cannot prove the group's events reached this socket completely (SPEC §7.9): the session re-syncs it. */
  continuityLost(stream: string, group: string): void {
    this.session.continuityLost(this, stream, group);
  }

  /**
   * The group lost continuity (SPEC §7.9): from this very instant its events are held, as in a snapshot
   * phase, so none reaches the socket before the re-sync; the re-sync ends the hold with `release`.
   */
  hold(): void {
    this.pending++;
  }

  /** Puts the live subscriptions back in their snapshot phase for a re-sync; returns them. */
  reopen(): Subscription[] {
    const live = this.subs.filter((sub) => sub.since !== null);
    for (const sub of live) {
      sub.since = null;
      this.pending++;
    }
    return live;
  }

  /** One snapshot phase of the group is over; once none is left, the held events flow in order. */
  release(): void {
    if (--this.pending > 0) return;
    this.pick();
    const held = this.held;
    this.held = null;
    for (const event of held ?? []) this.route(event);
  }

  /** Sends the event once if any live subscription wants it: not in its snapshot (seq above it) and matching. */
  private route(event: HubEvent): void {
    const { envelope } = event;
    if (this.single) {
      if (envelope.seq > this.singleSince && (this.singleId === null || this.singleId === envelope.frame.id)) {
        this.port.send(this.singleDeltas && this.holdsBase(event, this.singleSince, this.singleEpoch) ? event.deltaWire : event.wire);
      }
      return;
    }
    // Sent once: as a delta only when every subscription it goes to asked for deltas and holds the base.
    let wanted = false;
    let delta = true;
    for (const sub of this.subs) {
      if (!wants(sub, envelope)) continue;
      wanted = true;
      delta &&= sub.deltas === true && this.holdsBase(event, sub.since!, sub.epoch);
    }
    if (wanted) this.port.send(delta ? event.deltaWire : event.wire);
  }

  /**
   * Whether a subscription whose snapshot is at `since` of `epoch` provably holds the version the event's change
   * applies to: in its snapshot (or resume point), or written by an event of the unbroken run it has seen since.
   * Only within the snapshot's epoch: seqs of two epochs do not compare, and the delta frame names none. The
   * base is read once per event (HubEvent), not per socket.
   */
  private holdsBase(event: HubEvent, since: number, epoch: string | null): boolean {
    const base = event.baseSeq;
    return base !== null && event.envelope.epoch === epoch && (base <= since || this.runFrom <= since + 1);
  }

  private pick(): void {
    const only = this.subs.length === 1 ? this.subs[0] : null;
    this.single = only !== null;
    // A subscription in its snapshot phase (since null) wants nothing yet.
    this.singleSince = only?.since ?? Infinity;
    this.singleEpoch = only?.epoch ?? null;
    this.singleId = only?.id ?? null;
    this.singleDeltas = only?.deltas === true;
  }
}

/** What a sync or `resumed` frame carries besides the snapshot. */
export interface AnswerExtras {
  /** The client is to replace its state rather than merge into it (a resume that could not be served, a re-sync). */
  continuityLost: boolean;
  /** `{ presence }` for a subscription that asked for it, taken as the frame goes out. */
  presence(): { presence?: PresenceSnapshot };
}

/** A subscription's removal: the request it held, and the binding to unbind when the socket has nothing left in its group. */
export interface Removed {
  sub: SubscriptionRequest;
  unbind: GroupMember | null;
}

/** A subscription the adapter could not serve, out of its group's events until it is reattached. */
export interface ServeFailure {
  error: unknown;
  detached: SubscriptionRequest;
}

/** A server frame about a subscription's group or item (sync, unauthorized, ...). */
export function streamFrame(request: SubscriptionRequest, timestamp: number, event: StreamFrame['event']): StreamFrame {
  return { type: 'stream', timestamp, streamName: request.streamName, groupId: request.groupId, id: request.id, event };
}

/**
 * `list` with `item` added, or taken out (`list` itself when it is not there), as an array of exactly its
 * length: spread and `filter` reserve room for 16 more items (~130 B) that an idle socket would keep.
 */
function appended<T>(list: readonly T[], item: T): readonly T[] {
  return list.concat([item]);
}

function without<T>(list: readonly T[], item: T): readonly T[] {
  const at = list.indexOf(item);
  return at < 0 ? list : list.slice(0, at).concat(list.slice(at + 1));
}

/** The versions a delta subscription's sync or `resumed` carries (absent from others and for custom streams). */
function versionsOf(snapshot: Pick<StreamSnapshot, 'items' | 'version'>): { items?: StreamSnapshot['items']; version?: StreamSnapshot['version'] } {
  if (snapshot.items) return { items: snapshot.items };
  return snapshot.version === undefined ? {} : { version: snapshot.version };
}

/** A group subscription takes every frame of its group, an item subscription only its item's. */
function matches(sub: SubscriptionRequest, envelope: StreamEnvelope): boolean {
  return sub.id === null || sub.id === envelope.frame.id;
}

/** A live subscription takes the events after its snapshot that match it. */
function wants(sub: Subscription, envelope: StreamEnvelope): boolean {
  return sub.since !== null && envelope.seq > sub.since && matches(sub, envelope);
}

/**
 * The snapshot seam (SPEC §7.5), in one place. A join binds its group first (live events start and are
 * held), then reads the snapshot or the history it resumes from, sends the `sync` (or the missed events and
 * `resumed`), and only then releases the held events the snapshot does not already contain (seq above it).
 */
export class SnapshotSeam {
  constructor(
    private readonly hub: Pick<StreamsHub, 'bind' | 'unbind'>,
    private readonly store: Pick<StreamsStore, 'snapshot' | 'replay'>,
    private readonly metrics: Pick<StreamsMetrics, 'subscriptions'>,
  ) {}

  /** Registers a subscription in its snapshot phase (its group's events are held for it from now on). */
  open(session: SeamSession, request: SubscriptionRequest): void {
    session.subscriptions.open(request);
    this.metrics.subscriptions++;
  }

  /**
   * Answers a subscription in its snapshot phase: from history when it resumes, else with a snapshot `sync`.
   * When the adapter cannot serve it, the subscription is detached (the group unbound if nothing else of the
   * socket is there) and returned with the error, for the caller to retry; null otherwise.
   */
  async serve(session: SeamSession, request: SubscriptionRequest, extras: AnswerExtras): Promise<ServeFailure | null> {
    const { subscriptionId, streamName, groupId, id } = request;
    try {
      const binding = session.subscriptions.binding(streamName, groupId);
      if (!binding) return null;
      await this.hub.bind(streamName, groupId, binding);
      if (request.position !== undefined && (await this.resume(session, request, request.position, extras))) return null;
      const snapshot = await this.store.snapshot(streamName, groupId, id, request.deltas === true);
      const sync = streamFrame(request, snapshot.timestamp, {
        type: 'sync',
        data: snapshot.data,
        ...(extras.continuityLost ? { continuityLost: true } : {}),
        ...extras.presence(),
        ...versionsOf(snapshot),
      });
      if (snapshot.epoch) sync.position = formatPosition(snapshot.epoch, snapshot.seq);
      session.subscriptions.activate(subscriptionId, snapshot.seq, snapshot.epoch ?? null, sync);
      return null;
    } catch (error) {
      const detached = session.subscriptions.detach(subscriptionId);
      if (!detached) return null;
      if (detached.unbind) await this.hub.unbind(streamName, groupId, detached.unbind);
      return { error, detached: detached.sub };
    }
  }

  /** Removes a subscription, unbinding its group when it was the socket's last there; null when it is gone. */
  async close(session: SeamSession, subscriptionId: string): Promise<Removed | null> {
    const closed = session.subscriptions.close(subscriptionId);
    if (closed) this.metrics.subscriptions--;
    if (closed?.unbind) await this.hub.unbind(closed.sub.streamName, closed.sub.groupId, closed.unbind);
    return closed;
  }

  /** Serves a join carrying a position from history; false when it cannot (the caller re-syncs). */
  private async resume(session: SeamSession, request: SubscriptionRequest, token: string, extras: AnswerExtras): Promise<boolean> {
    const from = parsePosition(token);
    const versions = request.deltas ? { item: request.id } : undefined;
    const replay = from && (await this.store.replay(request.streamName, request.groupId, from.epoch, from.seq, versions));
    if (!replay) return false;
    const { seq } = replay.position;
    const epoch = replay.position.epoch ?? from.epoch;
    const missed = replay.envelopes.filter((e) => request.id === null || e.frame.id === request.id);
    session.subscriptions.resume(request.subscriptionId, missed, seq, epoch, {
      type: 'resumed',
      subscriptionId: request.subscriptionId,
      streamName: request.streamName,
      groupId: request.groupId,
      id: request.id,
      replayed: missed.length,
      position: formatPosition(epoch, seq),
      ...extras.presence(),
      ...versionsOf(replay),
    });
    return true;
  }
}

/**
 * One socket's subscriptions and its side of the seam, one `GroupBinding` per group. Routing happens there,
 * per socket, so a socket with overlapping subscriptions (a group and one of its items) gets each event once
 * (SPEC §7.3); events racing a join are held until its answer is sent, then those its snapshot already holds
 * are dropped (SPEC §7.5).
 */
export class SocketSubscriptions {
  /**
   * In join order. Replaced, never grown in place: an array of exactly its length (most sockets hold one or
   * two subscriptions, at most `limits.subscriptionsPerSocket`) is far smaller than a Map, and it is searched only
   * for client messages, never per delivery. A group's binding is found through its subscriptions (each holds
   * its own), so the socket keeps no map of groups either.
   */
  private subs: readonly Subscription[] = [];

  constructor(private readonly session: SeamSession) {}

  get size(): number {
    return this.subs.length;
  }

  has(subscriptionId: string): boolean {
    return this.find(subscriptionId) !== undefined;
  }

  /** The subscription registered under this id (compare by identity to see it was not replaced meanwhile). */
  get(subscriptionId: string): SubscriptionRequest | undefined {
    return this.find(subscriptionId);
  }

  list(): SubscriptionRequest[] {
    return [...this.subs];
  }

  /** The hub member for a group this socket has a subscription in (bound while one is there). */
  binding(stream: string, group: string): GroupBinding | undefined {
    return this.subs.find((sub) => sub.binding !== null && sub.streamName === stream && sub.groupId === group)?.binding ?? undefined;
  }

  /** Registers a subscription in its snapshot phase (a join replacing an id has the session close the old one first). */
  open(request: SubscriptionRequest): void {
    // Spelled out, not spread: a spread copy gets a hidden class of its own (~250 B per socket), this literal shares one.
    const { subscriptionId, streamName, groupId, id, position, presence, deltas } = request;
    const sub: Subscription = { subscriptionId, streamName, groupId, id, position, presence, deltas, since: null, epoch: null, binding: null };
    this.enterSnapshot(sub);
    this.subs = appended(this.subs, sub);
  }

  /**
   * Takes a subscription whose snapshot could not be read out of its group's events, keeping it on the
   * socket (it still counts against the limits, a leave or a disconnect still ends it) until `reattach`.
   * Returns it and, when nothing of the socket is left in the group, its binding to unbind; null when it is gone.
   */
  detach(subscriptionId: string): Removed | null {
    const sub = this.find(subscriptionId);
    const binding = sub?.binding;
    if (!sub || !binding) return null;
    sub.binding = null;
    binding.delete(sub);
    if (sub.since === null) binding.release();
    sub.since = null;
    return { sub, unbind: binding.subs.length > 0 ? null : binding };
  }

  /** Puts a detached subscription back in its snapshot phase; false when it was left or replaced meanwhile. */
  reattach(request: SubscriptionRequest): boolean {
    const sub = this.find(request.subscriptionId);
    if (sub !== request || sub.binding !== null) return false;
    this.enterSnapshot(sub);
    return true;
  }

  /** Ends the snapshot phase: the sync frame goes out, then the held events it does not already contain. */
  activate(subscriptionId: string, seq: number, epoch: string | null, sync: StreamFrame | object | null): void {
    const sub = this.find(subscriptionId);
    if (!sub || sub.since !== null) return;
    sub.since = seq;
    sub.epoch = epoch;
    if (sync) this.session.port.sendFrame(sync);
    sub.binding?.release();
  }

  /**
   * Ends the snapshot phase of a resumed subscription: the missed events go out in order, then `resumed`,
   * then the held live events that came after them — no `sync`. A missed event another subscription of the
   * socket already covers (sent, replayed or in its snapshot) is not sent again (SPEC §7.3).
   */
  resume(subscriptionId: string, missed: StreamEnvelope[], seq: number, epoch: string, resumed: object): void {
    const sub = this.find(subscriptionId);
    if (!sub || sub.since !== null) return;
    const others = (sub.binding?.subs ?? []).filter((o) => o !== sub);
    for (const envelope of missed) {
      if (others.some((o) => o.since !== null && o.since >= envelope.seq && matches(o, envelope))) continue;
      // History is unbroken from the resume point, whose state the client holds: each change's base is there or replayed.
      const full = encodeEnvelope(envelope);
      this.session.port.send((sub.deltas && envelope.epoch === epoch && encodeDelta(envelope, full)) || full);
    }
    this.activate(subscriptionId, seq, epoch, resumed);
  }

  /** Removes a subscription; returns it and, when the socket has no subscription left in its group, its binding to unbind. */
  close(subscriptionId: string): Removed | null {
    const sub = this.find(subscriptionId);
    if (!sub) return null;
    this.subs = without(this.subs, sub);
    const binding = sub.binding;
    // A detached subscription is bound to nothing: there is nothing to release or unbind.
    if (!binding) return { sub, unbind: null };
    binding.delete(sub);
    if (sub.since === null) binding.release();
    return { sub, unbind: binding.subs.length > 0 ? null : binding };
  }

  private find(subscriptionId: string): Subscription | undefined {
    return this.subs.find((sub) => sub.subscriptionId === subscriptionId);
  }

  /** Binds a subscription to its group's events in its snapshot phase (they are held until it is answered). */
  private enterSnapshot(sub: Subscription): void {
    const binding = this.binding(sub.streamName, sub.groupId) ?? new GroupBinding(this.session);
    sub.binding = binding;
    sub.since = null;
    binding.add(sub);
    binding.pending++;
  }
}
