import type { WebSocket } from 'ws';
import { groupKey } from '../adapters/group.key';
import type { StreamEnvelope } from '../adapters/stream-adapter.interface';
import type { StreamFrame } from '../interfaces/stream-frame.interface';
import type { StreamSubscriptionPayload } from '../interfaces/stream-payloads.interface';
import type { SubscriptionRequest } from '../protocol/client-message.parser';
import type { ProtocolErrorCode } from '../protocol/protocol.constants';
import { encodeEnvelope, type HubEvent } from '../hub/hub.event';
import type { GroupMember } from '../hub/streams.hub';
import type { AuthExpiry } from './auth-expiry';
import { InboundQueue } from './inbound-queue';
import { JoinRateLimiter } from './join-rate.limiter';
import { OutboundQueue } from './outbound-queue';
import { wireFrame } from './wire-frame';
import type { WriteBatcher } from './write-batcher';
import type { StreamsMetrics } from '../metrics/streams-metrics';

interface Subscription extends SubscriptionRequest {
  /** Frames with `seq` up to this are in the subscription's snapshot; null while the snapshot is taken. */
  since: number | null;
  /** Out of its group's frames until its snapshot can be read (the adapter failed it); see `detach`. */
  detached?: boolean;
}

/** This socket's subscriptions to one group, and the frames held back while one of them takes its snapshot. */
interface GroupBinding {
  subs: Set<Subscription>;
  pending: number;
  /** Created only while a snapshot is pending, so an idle binding costs no array. */
  held: HubEvent[] | null;
}

/** A socket's bounds, from the options (`maxBufferedBytes`, `maxQueuedMessagesPerSocket`, `maxJoinsPerSecond`, ...). */
export interface ConnectionLimits {
  maxBufferedBytes: number;
  maxQueuedMessages: number;
  maxQueuedBytes: number;
  joinBurst: number;
  joinsPerSecond: number;
  /** Option `writeFastPath`: pre-framed bytes written straight to the TCP socket (batched), or ws's `send()`. */
  writeFastPath: boolean;
}

/** A group subscription takes every frame of its group, an item subscription only its item's. */
function matches(sub: SubscriptionRequest, envelope: StreamEnvelope): boolean {
  return sub.id === null || sub.id === envelope.frame.id;
}

/**
 * One WebSocket and its subscriptions. Routing happens here, per socket, so a socket with overlapping
 * subscriptions (a group and one of its items) gets each frame once (SPEC §7.3), and the snapshot seam is
 * closed: frames racing a join are held until the `sync` is sent, then those the snapshot already holds
 * are dropped (SPEC §7.5).
 */
export class StreamConnection implements GroupMember {
  readonly subscriptions = new Map<string, Subscription>();
  private readonly groups = new Map<string, GroupBinding>();
  /** Set by pongs, cleared by each heartbeat; a socket still unset at the next beat is dead. */
  alive = true;
  /** Client messages are handled strictly one after another, as in iii (a join finishes before the next), and bounded. */
  private readonly inbound: InboundQueue;

  private readonly out: OutboundQueue;
  private readonly joins: JoinRateLimiter;

  /** Set when the authentication expires (`expiresAt`); a successful refresh moves it. */
  auth: AuthExpiry | null = null;

  constructor(
    readonly socket: WebSocket,
    /** Replaced by a successful `refresh`. */
    public context: unknown,
    private readonly metrics: StreamsMetrics,
    limits: ConnectionLimits,
    /** Gathers the frames this socket gets in one flush into one write (`writeDelayMs`); null writes each at once. */
    batcher: WriteBatcher | null = null,
  ) {
    this.out = new OutboundQueue(socket, limits.maxBufferedBytes, metrics, batcher, limits.writeFastPath);
    this.inbound = new InboundQueue(socket, { maxTasks: limits.maxQueuedMessages, maxBytes: limits.maxQueuedBytes });
    this.joins = new JoinRateLimiter(limits.joinBurst, limits.joinsPerSecond);
  }

  /** Spends one join of this socket's budget; false when it is spent (see `maxJoinsPerSecond`). */
  takeJoin(): boolean {
    return this.joins.take();
  }

  /**
   * Queues work on this socket's inbound queue (`bytes`: the client input it holds, counted against the
   * bound); `onError` sees what a task throws, the queue goes on. Ignored once the socket has closed.
   */
  enqueue(task: () => Promise<void>, onError: (error: unknown) => void, bytes = 0): void {
    this.inbound.push(() => task().catch(onError), bytes);
  }

  /** The socket closed: queued work is dropped, `cleanup` runs once the task in flight is done. */
  socketClosed(cleanup: () => Promise<void>, onError: (error: unknown) => void): void {
    this.auth?.stop();
    this.inbound.close(() => cleanup().catch(onError));
  }

  /** Closes the socket after the frames already sent to it (a batched frame must not follow the close frame). */
  end(code: number, reason: string): void {
    this.out.flush();
    this.socket.close(code, reason);
  }

  payload(sub: SubscriptionRequest): StreamSubscriptionPayload {
    return { subscription_id: sub.subscriptionId, stream_name: sub.streamName, group_id: sub.groupId, id: sub.id, context: this.context ?? null };
  }

  /** Registers a subscription in its snapshot phase; returns true when it is the socket's first on that group. */
  open(request: SubscriptionRequest): boolean {
    const sub: Subscription = { ...request, since: null };
    const first = !this.groups.has(groupKey(sub.streamName, sub.groupId));
    this.enterSnapshot(sub);
    this.subscriptions.set(sub.subscriptionId, sub);
    this.metrics.subscriptions++;
    return first;
  }

  /**
   * Takes a subscription whose snapshot could not be read out of its group's frames, keeping it on the
   * socket (it still counts against the limits, a leave or a disconnect still ends it) until `reattach`.
   * Returns it and whether nothing of the socket is left bound to the group; null when it is gone.
   */
  detach(subscriptionId: string): { sub: SubscriptionRequest; lastOfGroup: boolean } | null {
    const sub = this.subscriptions.get(subscriptionId);
    if (!sub || sub.detached) return null;
    sub.detached = true;
    const key = groupKey(sub.streamName, sub.groupId);
    const binding = this.groups.get(key);
    if (!binding?.subs.delete(sub)) return { sub, lastOfGroup: !binding };
    if (sub.since === null) this.release(binding);
    sub.since = null;
    if (binding.subs.size > 0) return { sub, lastOfGroup: false };
    this.groups.delete(key);
    return { sub, lastOfGroup: true };
  }

  /** Puts a detached subscription back in its snapshot phase; false when it was left or replaced meanwhile. */
  reattach(request: SubscriptionRequest): boolean {
    const sub = this.subscriptions.get(request.subscriptionId);
    if (sub !== request || !sub.detached) return false;
    sub.detached = false;
    this.enterSnapshot(sub);
    return true;
  }

  /** Puts the socket's live subscriptions of a group back in their snapshot phase for a re-sync; returns them. */
  reopen(stream: string, group: string): SubscriptionRequest[] {
    const binding = this.groups.get(groupKey(stream, group));
    const live = [...(binding?.subs ?? [])].filter((sub) => sub.since !== null);
    for (const sub of live) {
      sub.since = null;
      binding!.pending++;
    }
    return live;
  }

  /** Ends the snapshot phase: the sync frame goes out, then the held frames it does not already contain. */
  activate(subscriptionId: string, seq: number, sync: StreamFrame | object | null): void {
    const sub = this.subscriptions.get(subscriptionId);
    if (!sub || sub.since !== null) return;
    sub.since = seq;
    if (sync) this.sendFrame(sync);
    const binding = this.groups.get(groupKey(sub.streamName, sub.groupId));
    if (binding) this.release(binding);
  }

  /**
   * Ends the snapshot phase of a resumed subscription: the missed events go out in order, then `resumed`,
   * then the held live frames that came after them — no `sync`. A missed event another subscription of the
   * socket already covers (sent, replayed or in its snapshot) is not sent again (SPEC §7.3).
   */
  resume(subscriptionId: string, missed: StreamEnvelope[], seq: number, resumed: object): void {
    const sub = this.subscriptions.get(subscriptionId);
    if (!sub || sub.since !== null) return;
    const others = [...(this.groups.get(groupKey(sub.streamName, sub.groupId))?.subs ?? [])].filter((o) => o !== sub);
    for (const envelope of missed) {
      if (!others.some((o) => o.since !== null && o.since >= envelope.seq && matches(o, envelope))) this.out.send(encodeEnvelope(envelope));
    }
    this.activate(subscriptionId, seq, resumed);
  }

  /** Removes a subscription; returns it and whether the socket has no subscription left on its group. */
  close(subscriptionId: string): { sub: SubscriptionRequest; lastOfGroup: boolean } | null {
    const sub = this.subscriptions.get(subscriptionId);
    if (!sub) return null;
    this.subscriptions.delete(subscriptionId);
    this.metrics.subscriptions--;
    const key = groupKey(sub.streamName, sub.groupId);
    // A detached subscription is bound to nothing: there is nothing to release or unbind.
    if (sub.detached) return { sub, lastOfGroup: false };
    const binding = this.groups.get(key);
    if (!binding) return { sub, lastOfGroup: true };
    binding.subs.delete(sub);
    if (sub.since === null) this.release(binding);
    if (binding.subs.size > 0) return { sub, lastOfGroup: false };
    this.groups.delete(key);
    return { sub, lastOfGroup: true };
  }

  /** An event of a group the socket is bound to (from the hub). */
  deliver(event: HubEvent): void {
    const binding = this.groups.get(event.key);
    if (!binding) return;
    if (binding.pending > 0) (binding.held ??= []).push(event);
    else this.route(binding, event);
  }

  sendFrame(frame: object): void {
    this.sendText(JSON.stringify(frame));
  }

  /** A frame the caller already encoded (presence events, encoded once for every watcher). */
  sendText(json: string): void {
    this.out.send(wireFrame(Buffer.from(json)));
  }

  sendError(code: ProtocolErrorCode, message: string, extra: Record<string, unknown> = {}): void {
    this.metrics.protocolError(code);
    this.sendFrame({ type: 'error', error: { code, message, ...extra } });
  }

  /** Binds a subscription to its group's frames in its snapshot phase (they are held until it is answered). */
  private enterSnapshot(sub: Subscription): void {
    const key = groupKey(sub.streamName, sub.groupId);
    let binding = this.groups.get(key);
    if (!binding) this.groups.set(key, (binding = { subs: new Set(), pending: 0, held: null }));
    sub.since = null;
    binding.subs.add(sub);
    binding.pending++;
  }

  /** One snapshot phase of the group is over; once none is left, the held frames flow in order. */
  private release(binding: GroupBinding): void {
    if (--binding.pending > 0) return;
    const held = binding.held;
    binding.held = null;
    for (const event of held ?? []) this.route(binding, event);
  }

  private route(binding: GroupBinding, event: HubEvent): void {
    const { envelope } = event;
    for (const sub of binding.subs) {
      if (sub.since !== null && envelope.seq > sub.since && matches(sub, envelope)) {
        this.out.send(event.wire);
        return;
      }
    }
  }
}
