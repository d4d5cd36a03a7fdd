import { IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { EnvInteger } from './env-integer.decorator';

export const ADAPTER_NAMES = ['memory', 'file', 'redis'] as const;
export type AdapterName = (typeof ADAPTER_NAMES)[number];

/** The environment variables the demo reads (see docs/guides/demo.md), checked with class-validator. */
export class DemoEnvironment {
  /** HTTP port of the page and the REST API. */
  @IsOptional() @EnvInteger(0, 65535)
  PORT?: number;

  /** Port of the streams WebSocket listener. */
  @IsOptional() @EnvInteger(0, 65535)
  STREAMS_PORT?: number;

  /** Serve the streams on the HTTP port under this path (one port, e.g. `/streams`) instead of STREAMS_PORT. */
  @IsOptional() @Matches(/^(\/[A-Za-z0-9._~-]+)+$/, { message: 'STREAMS_ATTACH_PATH must be a path such as /streams (no trailing slash)' })
  STREAMS_ATTACH_PATH?: string;

  /** Interface the streams listener binds. */
  @IsOptional() @IsString()
  STREAMS_HOST?: string;

  /** Storage backend; default `redis` when REDIS_URL or REDIS_CLUSTER_NODES is set, else `file`. */
  @IsOptional() @IsIn(ADAPTER_NAMES)
  STREAMS_ADAPTER?: AdapterName;

  /** Directory of the file adapter. */
  @IsOptional() @IsString()
  STREAMS_DATA_DIR?: string;

  @IsOptional() @Matches(/^rediss?:\/\/\S+$/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  /** Seed nodes of a Redis Cluster, `host:port,host:port,...`: runs the Redis adapter on the Cluster (excludes REDIS_URL). */
  @IsOptional() @Matches(/^[^\s,:]+:\d+(,[^\s,:]+:\d+)*$/, { message: 'REDIS_CLUSTER_NODES must be host:port[,host:port...]' })
  REDIS_CLUSTER_NODES?: string;

  /** The streams URL the page connects to, when it differs from `ws://<page host>:<streams port>/` (e.g. behind a proxy). */
  @IsOptional() @Matches(/^wss?:\/\/\S+$/, { message: 'STREAMS_PUBLIC_URL must be a ws:// or wss:// URL' })
  STREAMS_PUBLIC_URL?: string;

  @IsOptional() @EnvInteger(10, 3_600_000)
  METRICS_INTERVAL_MS?: number;

  /** Messages kept per chat room; older ones are deleted. */
  @IsOptional() @EnvInteger(1, 10_000)
  CHAT_HISTORY_LIMIT?: number;
}
