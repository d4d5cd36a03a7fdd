import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import { REDIS_ADAPTER_DEFAULTS, type RedisAdapterOptions } from './redis-adapter.options';

/** Everything needed to open the adapter's connections, with defaults applied. */
export interface RedisConnectionSettings {
  url: string | undefined;
  options: RedisOptions;
  /** Where the adapter connects, for logs and errors (never a password). */
  target: string;
  keyPrefix: string;
  connectTimeoutMs: number;
  /** Set when running on a Redis Cluster: the seed nodes, and `options` apply to every node. */
  cluster?: { nodes: Array<{ host: string; port: number }>; natMap?: ClusterOptions['natMap'] };
}

/** How often the Cluster client re-reads the slot map on its own (besides after every redirection). */
const SLOTS_REFRESH_MS = 1000;

export function resolveRedisSettings(adapter: RedisAdapterOptions): RedisConnectionSettings {
  if (adapter.cluster) return resolveClusterSettings(adapter);
  const user = (adapter.options ?? {}) as RedisOptions & { host?: string; port?: number; path?: string; sentinels?: unknown; name?: string };
  const namesServer = user.host !== undefined || user.path !== undefined || user.sentinels !== undefined;
  const url = adapter.url ?? (namesServer ? undefined : REDIS_ADAPTER_DEFAULTS.url);
  const connectTimeoutMs = adapter.connectTimeoutMs ?? REDIS_ADAPTER_DEFAULTS.connectTimeoutMs;
  const options: RedisOptions = {
    // Fail fast instead of queueing: a write during an outage is rejected at once, one in flight when the
    // connection drops is rejected when it drops (never silently re-sent), one that hangs after commandTimeout.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: adapter.commandTimeoutMs ?? REDIS_ADAPTER_DEFAULTS.commandTimeoutMs,
    connectTimeout: connectTimeoutMs,
    // ioredis arms this timer even when the socket is already gone (closing during an outage), and it
    // holds the process open that long after app.close().
    disconnectTimeout: 500,
    ...user,
    lazyConnect: true,
    // The subscriber re-subscribes itself, so it knows when delivery is live again (and can say so).
    autoResubscribe: false,
  };
  const target = url !== undefined ? redactUrl(url) : user.sentinels !== undefined ? `sentinel master ${user.name ?? '?'}` : user.path ?? `${user.host ?? 'localhost'}:${user.port ?? 6379}`;
  return { url, options, target, keyPrefix: adapter.keyPrefix ?? REDIS_ADAPTER_DEFAULTS.keyPrefix, connectTimeoutMs };
}

/** A Cluster: `options` go to every node, with the credentials and TLS of `adapter.cluster`. */
function resolveClusterSettings(adapter: RedisAdapterOptions): RedisConnectionSettings {
  const cluster = adapter.cluster!;
  const seeds = cluster.nodes.map((node) => new URL(node));
  const tls = cluster.tls === true || (cluster.tls === undefined && seeds.some((u) => u.protocol === 'rediss:')) ? {} : cluster.tls || undefined;
  const { options } = resolveRedisSettings({ ...adapter, cluster: undefined, url: 'redis://unused' });
  return {
    url: undefined,
    options: {
      ...options,
      ...(cluster.username !== undefined && { username: cluster.username }),
      ...(cluster.password !== undefined && { password: cluster.password }),
      ...(tls !== undefined && { tls }),
    },
    target: `Redis Cluster ${seeds.map((u) => u.host).join(',')}`,
    keyPrefix: adapter.keyPrefix ?? REDIS_ADAPTER_DEFAULTS.keyPrefix,
    connectTimeoutMs: adapter.connectTimeoutMs ?? REDIS_ADAPTER_DEFAULTS.connectTimeoutMs,
    cluster: { nodes: seeds.map((u) => ({ host: u.hostname, port: Number(u.port) })), natMap: cluster.natMap },
  };
}

/**
 * The Cluster command client. Fails fast like the single-server one: nothing queued while the Cluster is
 * down; a command whose node is gone is retried through the failover for a bounded time (redirections x
 * retry delay), then rejected.
 */
export function createRedisCluster(settings: RedisConnectionSettings): Cluster {
  const { lazyConnect: _lazy, enableOfflineQueue: _queue, retryStrategy: _retry, ...redisOptions } = settings.options;
  return new Cluster(settings.cluster!.nodes, {
    lazyConnect: true,
    enableOfflineQueue: false,
    enableReadyCheck: true,
    scaleReads: 'master',
    maxRedirections: 16,
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    retryDelayOnTryAgain: 100,
    slotsRefreshTimeout: settings.connectTimeoutMs,
    slotsRefreshInterval: SLOTS_REFRESH_MS,
    clusterRetryStrategy: (attempt) => Math.min(100 * attempt, 2000),
    natMap: settings.cluster!.natMap,
    redisOptions,
  });
}

export function createRedisClient(settings: RedisConnectionSettings): Redis {
  // URL fields (host, port, credentials, db) win over the same fields in options: ioredis keeps the first.
  return settings.url === undefined ? new Redis(settings.options) : new Redis(settings.url, settings.options);
}

/**
 * Connects a lazy client, letting ioredis retry until it is ready or `connectTimeoutMs` has passed; on
 * timeout the client is stopped and the error names the target and the last connection error.
 */
export async function connectRedis(client: Redis | Cluster, settings: RedisConnectionSettings): Promise<void> {
  let lastError: Error | undefined;
  const onError = (error: Error) => (lastError = error);
  client.on('error', onError);
  let timer: NodeJS.Timeout | undefined;
  try {
    const ready = new Promise<boolean>((resolve) => client.once('ready', () => resolve(true)));
    const expired = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), settings.connectTimeoutMs)));
    client.connect().catch(() => undefined);
    if (!(await Promise.race([ready, expired]))) {
      client.disconnect();
      const reason = lastError ? `: ${lastError.message}` : '';
      throw new Error(`Redis adapter could not connect to ${settings.target} within ${settings.connectTimeoutMs} ms${reason}`);
    }
  } finally {
    clearTimeout(timer);
    client.off('error', onError);
  }
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

/** Resolves once the client is ready (at once if it is), or rejects after `ms`. */
export function whenReady(client: Redis | Cluster, ms: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      reject(new Error(`not ready within ${ms} ms`));
    }, ms);
    client.once('ready', onReady);
  });
}
