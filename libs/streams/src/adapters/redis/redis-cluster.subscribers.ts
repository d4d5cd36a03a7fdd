import type { Logger } from '@nestjs/common';
import { type Cluster, Redis, type RedisOptions } from 'ioredis';
import { whenReady } from './redis-client.factory';
import { clusterSlot } from './redis-cluster.slot';
import { RedisConnectionMonitor } from './redis-connection.monitor';
import type { SubscriberLink, SubscriberLinkHandlers } from './redis-subscriber.link';

/** Backstop for re-placing displaced channels when no event (reconnect, slot map refresh) did. */
const RETRY_MS = 1000;

/** ioredis's words for a reply it cannot match to a command: the server pushed an SUNSUBSCRIBE (slot moved away). */
const UNMATCHED_REPLY = /Command queue state error/;

interface NodeLink {
  redis: Redis;
  monitor: RedisConnectionMonitor;
  /** Rejects the SSUBSCRIBEs in flight on this connection (answered `-MOVED`, or the connection closed). */
  aborts: Set<(error: Error) => void>;
}

interface Pending {
  channel: string;
  resolve(): void;
  reject(error: Error): void;
}

/**
 * Sharded pub/sub on a Redis Cluster: ONE subscriber connection per master that serves a subscribed
 * channel (never one per channel), following the Cluster client's slot map.
 *
 * - Subscribes are batched per master: those asked for in the same tick go out together, one SSUBSCRIBE per
 *   slot (the server refuses channels of several slots in one command).
 * - A channel is "placed" on the master that confirmed it. It is displaced (and reported, so the subscriber
 *   subscribes it again where it now lives and catches it up from the group's log, or re-syncs) when that
 *   connection closes (failover, restart), when the slot map shows its slot served elsewhere (resharding),
 *   or when the server pushes an SUNSUBSCRIBE because the slot moved away. ioredis cannot match such a push
 *   to a command, so the whole connection is replaced and all its channels re-placed: nothing is left in
 *   a state no one can prove.
 * - An SSUBSCRIBE answered `-MOVED` fails at once (ioredis would leave it pending forever) and triggers a
 *   slot map refresh; the displaced channel is retried on the next refresh, reconnect or after RETRY_MS.
 */
export class RedisClusterSubscribers implements SubscriberLink {
  private readonly links = new Map<string, NodeLink>();
  /** Channel → its slot and the master it is live on (null while it is being placed or displaced). */
  private readonly placed = new Map<string, { slot: number; node: string | null }>();
  private readonly placing = new Set<string>();
  private readonly batches = new Map<string, Pending[]>();
  private handlers: SubscriberLinkHandlers | null = null;
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly cluster: Cluster,
    private readonly nodeOptions: RedisOptions,
    private readonly connectTimeoutMs: number,
    private readonly logger: Logger,
  ) {
    cluster.on('refresh', () => this.followSlotMap());
    this.timer = setInterval(() => this.retry(), RETRY_MS).unref();
  }

  get status(): string {
    return this.cluster.status;
  }

  attach(handlers: SubscriberLinkHandlers): void {
    this.handlers = handlers;
  }

  ssubscribe(channel: string): Promise<void> {
    const slot = clusterSlot(channel);
    const owner = this.owner(slot);
    if (!owner) return Promise.reject(new Error(`no master serves the slot of ${channel} (slot map not loaded)`));
    const placement = { slot, node: null as string | null };
    this.placed.set(channel, placement);
    this.placing.add(channel);
    return new Promise<void>((resolve, reject) => {
      const batch = this.batches.get(owner);
      if (batch) return void batch.push({ channel, resolve, reject });
      this.batches.set(owner, [{ channel, resolve, reject }]);
      setImmediate(() => void this.flush(owner));
    }).then(
      () => {
        this.placing.delete(channel);
        if (this.placed.get(channel) === placement) placement.node = owner;
        // Unsubscribed while this SSUBSCRIBE was on its way: undo it, or the master keeps sending.
        else if (!this.placed.has(channel)) this.links.get(owner)?.redis.sunsubscribe(channel).catch(() => undefined);
      },
      (error: unknown) => {
        this.placing.delete(channel);
        throw error;
      },
    );
  }

  async sunsubscribe(channel: string): Promise<void> {
    const node = this.placed.get(channel)?.node;
    this.placed.delete(channel);
    const link = node ? this.links.get(node) : undefined;
    if (link?.redis.status === 'ready') await link.redis.sunsubscribe(channel);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    for (const link of this.links.values()) link.monitor.markClosing();
    this.placed.clear();
    await Promise.all([...this.links.values()].map((link) => link.redis.quit().catch(() => link.redis.disconnect())));
    this.links.clear();
  }

  /** The batch of one master: one SSUBSCRIBE per slot, all written at once on its connection. */
  private async flush(node: string): Promise<void> {
    const batch = this.batches.get(node) ?? [];
    this.batches.delete(node);
    const link = this.link(node);
    try {
      await whenReady(link.redis, this.connectTimeoutMs);
    } catch (error) {
      for (const p of batch) p.reject(new Error(`subscriber connection to ${node}: ${message(error)}`));
      return;
    }
    const bySlot = new Map<number, Pending[]>();
    for (const p of batch) {
      const slot = clusterSlot(p.channel);
      const same = bySlot.get(slot);
      if (same) same.push(p);
      else bySlot.set(slot, [p]);
    }
    for (const group of bySlot.values()) {
      let abort: (error: Error) => void = () => undefined;
      const done = new Promise<void>((resolve, reject) => {
        abort = reject;
        link.aborts.add(abort);
        link.redis.ssubscribe(...group.map((p) => p.channel)).then(() => resolve(), reject);
      });
      done
        .then(
          () => group.forEach((p) => p.resolve()),
          (error: Error) => group.forEach((p) => p.reject(error)),
        )
        .finally(() => link.aborts.delete(abort));
    }
  }

  private link(node: string): NodeLink {
    const existing = this.links.get(node);
    if (existing) return existing;
    const at = node.lastIndexOf(':');
    const redis = new Redis({ ...this.nodeOptions, host: node.slice(0, at), port: Number(node.slice(at + 1)), lazyConnect: true, autoResubscribe: false });
    const link: NodeLink = { redis, monitor: new RedisConnectionMonitor(redis, 'subscriber', node, this.logger, () => this.retry()), aborts: new Set() };
    this.links.set(node, link);
    const abort = (reason: string) => {
      const error = new Error(reason);
      for (const reject of link.aborts) reject(error);
      link.aborts.clear();
    };
    redis.on('smessage', (channel: string, text: string) => this.handlers?.message(channel, text));
    redis.on('moved', () => {
      abort(`SSUBSCRIBE redirected (-MOVED) by ${node}: the slot moved`);
      this.cluster.refreshSlotsCache();
    });
    redis.on('close', () => {
      abort(`subscriber connection to ${node} closed`);
      if (this.links.get(node) === link) this.displace((_, at) => at === node);
    });
    redis.on('error', (error: Error) => {
      if (!UNMATCHED_REPLY.test(error.message) || this.links.get(node) !== link) return;
      this.drop(node, link);
      this.cluster.refreshSlotsCache();
    });
    redis.on('ready', () => this.retry());
    redis.connect().catch(() => undefined);
    return link;
  }

  /** Replaces a node's connection: its channels are displaced and placed again on a fresh one. */
  private drop(node: string, link: NodeLink): void {
    this.links.delete(node);
    link.monitor.markClosing();
    link.redis.disconnect();
    this.displace((_, at) => at === node);
  }

  /** After every slot map refresh: channels whose slot is now served by another master move there. */
  private followSlotMap(): void {
    if (this.closed) return;
    const owners = new Set(this.cluster.slots.map((nodes) => nodes?.[0]).filter(Boolean));
    this.displace((channel, at, slot) => {
      if (this.owner(slot) === at) return false;
      const link = this.links.get(at);
      if (link?.redis.status === 'ready') link.redis.sunsubscribe(channel).catch(() => undefined);
      return true;
    });
    // A master that serves nothing any more (failed over, emptied) keeps no connection.
    for (const [node, link] of this.links) if (!owners.has(node)) this.drop(node, link);
    this.retry();
  }

  private displace(test: (channel: string, node: string, slot: number) => boolean): void {
    for (const [channel, placement] of this.placed) {
      if (placement.node !== null && test(channel, placement.node, placement.slot)) placement.node = null;
    }
    this.retry();
  }

  /** Reports the displaced channels whose master can take them now (others wait for its connection). */
  private retry(): void {
    if (this.closed || !this.handlers || this.cluster.status !== 'ready') return;
    const due = [...this.placed].filter(([channel, { node, slot }]) => {
      if (node !== null || this.placing.has(channel)) return false;
      const owner = this.owner(slot);
      const status = owner ? this.links.get(owner)?.redis.status : undefined;
      return owner !== undefined && (status === undefined || status === 'ready');
    });
    if (due.length > 0) this.handlers.displaced(due.map(([channel]) => channel));
  }

  private owner(slot: number): string | undefined {
    return this.cluster.slots[slot]?.[0];
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
