/** A Redis Cluster to run on instead of one server (docs/reference/redis.md "Redis Cluster"). */
export interface RedisClusterOptions {
  /**
   * Seed nodes, `redis://host:port` or `rediss://host:port` (TLS); the rest of the Cluster is discovered.
   * Credentials go in `username`/`password`, not in the URLs.
   */
  nodes: string[];
  /** ACL user name for every node (Redis 6+). */
  username?: string;
  /** Password for every node. */
  password?: string;
  /** TLS options for every node (Node `tls.connect` options); `true` or a `rediss://` seed turns TLS on with defaults. */
  tls?: boolean | Record<string, unknown>;
  /** Addresses the nodes announce (`host:port`) mapped to where this process reaches them (NAT, containers). */
  natMap?: Record<string, { host: string; port: number }>;
}

/** Timings of presence shared through Redis (the memory and file adapters keep presence in-process). */
export interface RedisPresenceOptions {
  /** An instance's entries expire this long after it stopped refreshing them (it refreshes every third of it). Default 15000. */
  ttlMs?: number;
  /**
   * The interval of the consistency sweep, which checks the version of the groups this instance watches (at
   * most 1,000 per sweep) to repair a change whose message was lost. Changes themselves arrive as messages,
   * not by polling. Default 20000.
   */
  sweepIntervalMs?: number;
}

export interface RedisAdapterOptions {
  type: 'redis';
  /** Run on a Redis Cluster (sharded pub/sub, one subscriber connection per master). Excludes `url`. */
  cluster?: RedisClusterOptions;
  /**
   * `redis://` or `rediss://` URL. Default: `redis://127.0.0.1:6379` unless `options` name a host, path or
   * sentinels. Host, port, credentials and db in the URL win over the same fields in `options`.
   */
  url?: string;
  /**
   * Extra ioredis `RedisOptions` (TLS, sentinels, retryStrategy, ...), typed loosely so ioredis stays an
   * optional peer. With `cluster` they apply to every node's connections (not `host`, `port`, `sentinels`). `keyPrefix` is refused here (use the adapter's `keyPrefix`); `lazyConnect` and
   * `autoResubscribe` are managed by the adapter.
   */
  options?: Record<string, unknown>;
  /** Prefix of every key and channel; default `streams`. Must not contain `{` or `}` (hash tags). */
  keyPrefix?: string;
  /** How long start-up waits for Redis before failing bootstrap, in ms. Default 5000. */
  connectTimeoutMs?: number;
  /** How long a command may wait for its reply before it is rejected, in ms. Default 5000. */
  commandTimeoutMs?: number;
  /** Presence timings; see RedisPresenceOptions. */
  presence?: RedisPresenceOptions;
}

export const REDIS_ADAPTER_DEFAULTS = {
  url: 'redis://127.0.0.1:6379',
  keyPrefix: 'streams',
  connectTimeoutMs: 5000,
  commandTimeoutMs: 5000,
} as const;

export const REDIS_PRESENCE_DEFAULTS = { ttlMs: 15_000, sweepIntervalMs: 20_000 } as const;

/** The keys a Redis adapter's options may have (any other is refused at bootstrap: `urll` must not connect to the default). */
export const REDIS_ADAPTER_KEYS = ['type', 'url', 'cluster', 'options', 'keyPrefix', 'connectTimeoutMs', 'commandTimeoutMs', 'presence'] as const;

/** The keys `adapter.cluster` may have. */
export const REDIS_CLUSTER_KEYS = ['nodes', 'username', 'password', 'tls', 'natMap'] as const;

/** Options of a single server that make no sense for a Cluster's nodes. */
const NOT_FOR_CLUSTER = ['host', 'port', 'path', 'sentinels', 'name', 'db'] as const;

/** Checks the Redis adapter's options, pushing one message per bad field onto `issues`. */
export function validateRedisAdapterOptions(value: Record<string, unknown>, issues: string[]): void {
  if (value.url !== undefined && (typeof value.url !== 'string' || !/^rediss?:\/\//.test(value.url))) {
    issues.push(`adapter.url must be a redis:// or rediss:// URL (got ${JSON.stringify(value.url)})`);
  }
  if (value.keyPrefix !== undefined && (typeof value.keyPrefix !== 'string' || value.keyPrefix === '' || /[{}]/.test(value.keyPrefix))) {
    issues.push('adapter.keyPrefix must be a non-empty string without "{" or "}"');
  }
  if (value.options !== undefined) {
    if (typeof value.options !== 'object' || value.options === null || Array.isArray(value.options)) {
      issues.push('adapter.options must be an object of ioredis options');
    } else if ((value.options as Record<string, unknown>).keyPrefix !== undefined) {
      issues.push('adapter.options.keyPrefix is not supported (it would not apply to channels); use adapter.keyPrefix');
    }
  }
  if (value.cluster !== undefined) validateCluster(value, issues);
  for (const field of ['connectTimeoutMs', 'commandTimeoutMs'] as const) {
    const ms = value[field];
    if (ms !== undefined && !(typeof ms === 'number' && Number.isInteger(ms) && ms > 0)) {
      issues.push(`adapter.${field} must be a positive integer of milliseconds (got ${JSON.stringify(ms)})`);
    }
  }
}

function validateCluster(value: Record<string, unknown>, issues: string[]): void {
  const cluster = value.cluster;
  if (typeof cluster !== 'object' || cluster === null || Array.isArray(cluster)) {
    issues.push('adapter.cluster must be an object with a `nodes` list');
    return;
  }
  const c = cluster as Record<string, unknown>;
  if (value.url !== undefined) issues.push('adapter.url and adapter.cluster are mutually exclusive: list the Cluster\'s nodes in adapter.cluster.nodes');
  for (const key of Object.keys(c)) {
    if (!(REDIS_CLUSTER_KEYS as readonly string[]).includes(key)) issues.push(`adapter.cluster.${key} is not a known option (known: ${REDIS_CLUSTER_KEYS.join(', ')})`);
  }
  const nodes = c.nodes;
  if (!Array.isArray(nodes) || nodes.length === 0 || !nodes.every((n) => typeof n === 'string' && /^rediss?:\/\/[^/@]+:\d+\/?$/.test(n))) {
    issues.push(`adapter.cluster.nodes must be a non-empty list of redis://host:port or rediss://host:port URLs without credentials (got ${JSON.stringify(nodes)})`);
  }
  for (const field of ['username', 'password'] as const) {
    if (c[field] !== undefined && typeof c[field] !== 'string') issues.push(`adapter.cluster.${field} must be a string`);
  }
  if (c.tls !== undefined && typeof c.tls !== 'boolean' && (typeof c.tls !== 'object' || c.tls === null || Array.isArray(c.tls))) {
    issues.push('adapter.cluster.tls must be true, false or an object of TLS options');
  }
  if (c.natMap !== undefined) {
    const entries = typeof c.natMap === 'object' && c.natMap !== null && !Array.isArray(c.natMap) ? Object.values(c.natMap) : null;
    const valid = entries?.every((e) => typeof e === 'object' && e !== null && typeof (e as { host?: unknown }).host === 'string' && Number.isInteger((e as { port?: unknown }).port));
    if (!valid) issues.push('adapter.cluster.natMap must map "host:port" to { host, port }');
  }
  const options = value.options;
  if (typeof options === 'object' && options !== null) {
    for (const key of NOT_FOR_CLUSTER) {
      if ((options as Record<string, unknown>)[key] !== undefined) issues.push(`adapter.options.${key} does not apply to a Cluster (nodes come from adapter.cluster.nodes; a Cluster has only db 0)`);
    }
  }
}
