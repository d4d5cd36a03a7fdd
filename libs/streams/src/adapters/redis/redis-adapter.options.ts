export interface RedisAdapterOptions {
  type: 'redis';
  /** `redis://` URL; default `redis://127.0.0.1:6379`. */
  url?: string;
  /** Extra ioredis `RedisOptions`, merged over the URL (typed loosely so ioredis stays an optional peer). */
  options?: Record<string, unknown>;
  /** Prefix of every key and channel; default `streams`. */
  keyPrefix?: string;
}

/** Checks the Redis adapter's options, pushing one message per bad field onto `issues`. */
export function validateRedisAdapterOptions(value: Record<string, unknown>, issues: string[]): void {
  if (value.url !== undefined && (typeof value.url !== 'string' || !/^rediss?:\/\//.test(value.url))) {
    issues.push(`adapter.url must be a redis:// or rediss:// URL (got ${JSON.stringify(value.url)})`);
  }
  if (value.keyPrefix !== undefined && (typeof value.keyPrefix !== 'string' || value.keyPrefix === '')) {
    issues.push('adapter.keyPrefix must be a non-empty string');
  }
  if (value.options !== undefined && (typeof value.options !== 'object' || value.options === null || Array.isArray(value.options))) {
    issues.push('adapter.options must be an object of ioredis options');
  }
}
