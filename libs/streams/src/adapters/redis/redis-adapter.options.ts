export interface RedisAdapterOptions {
  type: 'redis';
  /**
   * `redis://` or `rediss://` URL. Default: `redis://127.0.0.1:6379` unless `options` name a host, path or
   * sentinels. Host, port, credentials and db in the URL win over the same fields in `options`.
   */
  url?: string;
  /**
   * Extra ioredis `RedisOptions` (TLS, sentinels, retryStrategy, ...), typed loosely so ioredis stays an
   * optional peer. `keyPrefix` is refused here (use the adapter's `keyPrefix`); `lazyConnect` and
   * `autoResubscribe` are managed by the adapter.
   */
  options?: Record<string, unknown>;
  /** Prefix of every key and channel; default `streams`. Must not contain `{` or `}` (hash tags). */
  keyPrefix?: string;
  /** How long start-up waits for Redis before failing bootstrap, in ms. Default 5000. */
  connectTimeoutMs?: number;
  /** How long a command may wait for its reply before it is rejected, in ms. Default 5000. */
  commandTimeoutMs?: number;
}

export const REDIS_ADAPTER_DEFAULTS = {
  url: 'redis://127.0.0.1:6379',
  keyPrefix: 'streams',
  connectTimeoutMs: 5000,
  commandTimeoutMs: 5000,
} as const;

/** The keys a Redis adapter's options may have (any other is refused at bootstrap: `urll` must not connect to the default). */
export const REDIS_ADAPTER_KEYS = ['type', 'url', 'options', 'keyPrefix', 'connectTimeoutMs', 'commandTimeoutMs'] as const;

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
  for (const field of ['connectTimeoutMs', 'commandTimeoutMs'] as const) {
    const ms = value[field];
    if (ms !== undefined && !(typeof ms === 'number' && Number.isInteger(ms) && ms > 0)) {
      issues.push(`adapter.${field} must be a positive integer of milliseconds (got ${JSON.stringify(ms)})`);
    }
  }
}
