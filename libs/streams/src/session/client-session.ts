import type { AuthExpiry } from '../auth/auth-expiry';
import { TokenBucket } from '../common/token-bucket';
import type { ResolvedStreamsOptions } from '../options/streams-options.interface';
import type { PresenceSeats } from '../presence/presence.hub';
import { wireFrame } from '../wire/wire-frame';
import { type GroupBinding, type SeamSession, SocketSubscriptions } from './snapshot.seam';
import type { SocketPort } from './socket.port';

/** Who re-syncs a session's subscriptions on a group that lost continuity (the protocol handler, StreamsSession). */
export interface Resyncer {
  resync(session: ClientSession, binding: GroupBinding, stream: string, group: string): Promise<void>;
  readonly onTaskError: (error: unknown) => void;
}

/**
 * One socket's protocol state, all of it in one place: the auth context and its expiry (with the refresh
 * budget), the join budget, the subscriptions (each group binding a hub member), the groups waiting for a
 * re-sync and the presence seats. It reaches its socket only through the port; the transport holds it for the protocol handler.
 */
export class ClientSession implements SeamSession {
  readonly subscriptions: SocketSubscriptions;
  /** Set when the authentication expires (`expiresAt`); a successful refresh moves it, one that never expires drops it. */
  auth: AuthExpiry | null = null;
  private readonly joins: TokenBucket;
  /** Its presence seats and update budget, kept here by the presence hub (null until its first presence join). */
  presence: PresenceSeats | null = null;
  /** Group bindings whose re-sync is queued and has not read its snapshot yet: a further loss is covered by it. */
  private resyncing: Set<GroupBinding> | null = null;

  constructor(
    readonly port: SocketPort,
    /** What `authFunction` returned; replaced by a successful `refresh`. */
    public context: unknown,
    limits: Pick<ResolvedStreamsOptions['limits'], 'subscriptionsPerSocket' | 'joinsPerSecond'>,
    private readonly resyncer: Resyncer,
  ) {
    // A fresh socket may open every subscription it is allowed and still re-join for a second.
    this.joins = new TokenBucket(limits.subscriptionsPerSocket + limits.joinsPerSecond, limits.joinsPerSecond);
    this.subscriptions = new SocketSubscriptions(this);
  }

  /** Spends one join of this socket's budget; false when it is spent (see `limits.joinsPerSecond`). */
  takeJoin(): boolean {
    return this.joins.take();
  }

  /**
   * The adapter cannot prove this socket got every frame of the binding's group (SPEC §7.9): the binding holds
   * the group's frames from this instant (the adapter may deliver the group's new history right after telling),
   * and the re-sync runs in turn with the socket's messages; the held frames follow it.
   */
  continuityLost(binding: GroupBinding, stream: string, group: string): void {
    const resyncing = (this.resyncing ??= new Set());
    if (resyncing.has(binding)) return;
    resyncing.add(binding);
    binding.hold();
    this.port.enqueue(async () => {
      resyncing.delete(binding);
      try {
        await this.resyncer.resync(this, binding, stream, group);
      } finally {
        binding.release();
      }
    }, this.resyncer.onTaskError);
  }

  /** A frame the caller already encoded (presence events, encoded once for every watcher). */
  sendText(json: string): void {
    this.port.send(wireFrame(Buffer.from(json)));
  }

  /** The socket is gone: its authentication clock stops. */
  ended(): void {
    this.auth?.stop();
  }
}
