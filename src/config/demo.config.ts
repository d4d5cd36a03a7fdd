import { registerAs } from '@nestjs/config';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { StreamsAdapterOptions } from 'nest-realtime-streams';
import { type AdapterName, DemoEnvironment } from './demo-environment';

export interface DemoConfig {
  httpPort: number;
  streams: {
    port: number;
    host: string;
    /** The path on the HTTP port when the streams share it (STREAMS_ATTACH_PATH), else null: own port. */
    attachPath: string | null;
    adapter: StreamsAdapterOptions;
    /** Overrides the URL handed to the page; null = derived from each request's host. */
    publicUrl: string | null;
  };
  metricsIntervalMs: number;
  chatHistoryLimit: number;
}

/** Bad environment variables, all named in one message. */
export class DemoConfigError extends Error {
  override readonly name = 'DemoConfigError';
}

function adapterOptions(env: DemoEnvironment): StreamsAdapterOptions {
  const type: AdapterName = env.STREAMS_ADAPTER ?? (env.REDIS_URL || env.REDIS_CLUSTER_NODES ? 'redis' : 'file');
  switch (type) {
    case 'memory':
      return { type };
    case 'file':
      return { type, path: env.STREAMS_DATA_DIR ?? './data/streams' };
    case 'redis':
      if (env.REDIS_CLUSTER_NODES) return { type, cluster: { nodes: env.REDIS_CLUSTER_NODES.split(',').map((node) => `redis://${node.trim()}`) } };
      return { type, url: env.REDIS_URL ?? 'redis://127.0.0.1:6379' };
  }
}

/** The demo's configuration from environment variables; unset or empty variables take their defaults. */
export function loadDemoConfig(vars: Record<string, string | undefined>): DemoConfig {
  const set = Object.fromEntries(Object.entries(vars).filter(([, value]) => value !== undefined && value.trim() !== ''));
  const env = plainToInstance(DemoEnvironment, set);
  const problems = validateSync(env).flatMap((error) => Object.values(error.constraints ?? {}));
  if (env.STREAMS_ATTACH_PATH && (env.STREAMS_PORT !== undefined || env.STREAMS_HOST)) problems.push('STREAMS_ATTACH_PATH excludes STREAMS_PORT and STREAMS_HOST (the streams use the HTTP port)');
  if (env.REDIS_URL && env.REDIS_CLUSTER_NODES) problems.push('REDIS_URL and REDIS_CLUSTER_NODES are mutually exclusive (one Redis server, or a Cluster)');
  if (problems.length > 0) throw new DemoConfigError(`Invalid environment: ${problems.join('; ')}`);
  return {
    httpPort: env.PORT ?? 3000,
    streams: {
      port: env.STREAMS_PORT ?? 3112,
      host: env.STREAMS_HOST ?? '0.0.0.0',
      attachPath: env.STREAMS_ATTACH_PATH ?? null,
      adapter: adapterOptions(env),
      publicUrl: env.STREAMS_PUBLIC_URL ?? null,
    },
    metricsIntervalMs: env.METRICS_INTERVAL_MS ?? 1000,
    chatHistoryLimit: env.CHAT_HISTORY_LIMIT ?? 200,
  };
}

/** Injected with `@Inject(demoConfig.KEY)`; tests replace it with `overrideProvider(demoConfig.KEY)`. */
export const demoConfig = registerAs('demo', (): DemoConfig => loadDemoConfig(process.env));
