/** The Redis names of one group: everything a write touches shares one hash tag, hence one Cluster slot. */
export interface RedisGroupKeys {
  /** HASH item_id → value JSON. */
  items: string;
  /** HASH item_id → the item's version (`epoch:seq` of its last write), written by the same script as the value. */
  versions: string;
  /** HASH idempotency key (JSON-encoded) → `<fingerprint>|<result JSON>` of the keyed write that recorded it (SPEC §8). */
  idempotency: string;
  /** ZSET idempotency key (JSON-encoded) → when its record expires (ms); oldest first for trimming. */
  idempotencyExpiry: string;
  /** ZSET item_id → when the item expires (ms, Redis clock): only items written with a TTL (SPEC §8). */
  expiries: string;
  /** HASH `seq`, `ts` (last frame timestamp), `seen`, `rd`, `hist` (history epoch), `run` (server run id that wrote it). */
  meta: string;
  /** LIST of the group's recent event messages, for resume (capped by count, expires when idle). */
  log: string;
  /** Sharded pub/sub channel carrying `<seq>|<frame JSON>`. */
  channel: string;
}

/**
 * Key layout (docs/reference/redis.md). Names are never split on a separator: a group's tag is the base64url of
 * `JSON.stringify([stream, group])`, which is unambiguous for any characters and holds no `{` or `}`; index
 * members are the raw names.
 */
export class RedisKeyspace {
  /** SET of stream names that hold (or are about to hold) at least one group. */
  readonly streams: string;

  constructor(readonly prefix: string) {
    this.streams = `${prefix}:streams`;
  }

  group(stream: string, group: string): RedisGroupKeys {
    const base = `${this.prefix}:{${encodeTag([stream, group])}}`;
    return {
      items: `${base}:items`,
      versions: `${base}:versions`,
      idempotency: `${base}:idem`,
      idempotencyExpiry: `${base}:idem-exp`,
      expiries: `${base}:expiries`,
      meta: `${base}:meta`,
      log: `${base}:log`,
      channel: base,
    };
  }

  /** STRING: the ticket of the write of instance `instance` that the group's clock holds (WRITE_GATE in redis.scripts.ts). */
  hold(group: RedisGroupKeys, instance: string): string {
    return `${group.channel}:hold:${instance}`;
  }

  /** Expiry index shard `shard` (redis-expiry.index.ts): ZSET group → earliest expiry, HASH group → write count. */
  expiring(shard: number): { groups: string; writes: string } {
    const base = `${this.prefix}:expiring:{${shard}}`;
    return { groups: base, writes: `${base}:writes` };
  }

  /** SET of the group ids of one stream. */
  groups(stream: string): string {
    return `${this.prefix}:groups:${encodeTag(stream)}`;
  }
}

function encodeTag(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}
