import { Cluster, type Redis } from 'ioredis';
import type { RedisKeyspace } from './redis.keys';

/**
 * Keeps the position (`meta`) of every group this instance has a subscriber on from expiring: the meta of
 * a group without items expires `ttlMs` after its last script (docs/reference/redis.md), but a subscribed group's
 * position must stay. Every `ttlMs / 3` each tracked group's meta gets its expiry pushed back to `ttlMs`;
 * `GT` leaves a meta without expiry (a group holding items) as it is, and a missing meta stays missing.
 */
export class RedisMetaKeepAlive {
  /** Subscriptions per tracked group, by meta key. */
  private readonly tracked = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis | Cluster,
    private readonly keys: RedisKeyspace,
    private readonly ttlMs: number,
  ) {
    this.timer = setInterval(() => void this.refresh(), Math.max(10, Math.floor(ttlMs / 3))).unref();
  }

  /** Tracks one subscription of the group; the returned function ends it. */
  track(stream: string, group: string): () => void {
    const meta = this.keys.group(stream, group).meta;
    this.tracked.set(meta, (this.tracked.get(meta) ?? 0) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const left = (this.tracked.get(meta) ?? 1) - 1;
      if (left > 0) this.tracked.set(meta, left);
      else this.tracked.delete(meta);
    };
  }

  stop(): void {
    clearInterval(this.timer);
    this.tracked.clear();
  }

  private async refresh(): Promise<void> {
    if (this.tracked.size === 0 || this.redis.status !== 'ready') return;
    // A failure (Redis away) is retried on the next tick; the connection monitor already reports outages.
    if (this.redis instanceof Cluster) {
      // A Cluster pipeline must stay in one slot: one command per group, sent together to their masters.
      await Promise.all([...this.tracked.keys()].map((meta) => this.redis.pexpire(meta, this.ttlMs, 'GT').catch(() => undefined)));
      return;
    }
    const pipeline = this.redis.pipeline();
    for (const meta of this.tracked.keys()) pipeline.pexpire(meta, this.ttlMs, 'GT');
    await pipeline.exec().catch(() => undefined);
  }
}
