import type { ClientKind } from '../clients/client-api';
import type { ServerName } from '../model';
import type { PublishOp, ServerConfig } from '../servers/server-api';
import { type BenchEnv, streamsAdapter } from './bench-env';

export interface ServerDef {
  instances: 1 | 2;
  client: ClientKind;
  /** How the pure fan-out rows publish. */
  op: PublishOp;
  usesRedis: boolean;
  config(env: BenchEnv): ServerConfig;
}

/**
 * The window of the window-on server. It pays only once it outlasts one message's fan-out (~1-2 µs per
 * socket here, 6-10 ms at 5,000 sockets): 5 ms gathered two messages per write at 5,000 clients, 10 ms two
 * to three (docs/reference/benchmarks.md, issue 17).
 */
export const BENCH_WINDOW_MS = 10;

export const SERVERS: Record<ServerName, ServerDef> = {
  ws: { instances: 1, client: 'ws', op: 'broadcast', usesRedis: false, config: () => ({ kind: 'ws' }) },
  // `send` is the pure fan-out path (a custom event: nothing stored); `set` rows add the store on top.
  'streams-memory': { instances: 1, client: 'streams', op: 'send', usesRedis: false, config: (env) => ({ kind: 'streams', adapter: streamsAdapter('memory', env) }) },
  // The same with the write window on (`writes.delayMs`): fewer, larger writes for a few ms of latency.
  'streams-memory-w10': {
    instances: 1,
    client: 'streams',
    op: 'send',
    usesRedis: false,
    config: (env) => ({ kind: 'streams', adapter: streamsAdapter('memory', env), writeDelayMs: BENCH_WINDOW_MS }),
  },
  'streams-redis-x2': { instances: 2, client: 'streams', op: 'send', usesRedis: true, config: (env) => ({ kind: 'streams', adapter: streamsAdapter('redis', env) }) },
  socketio: { instances: 1, client: 'socketio', op: 'broadcast', usesRedis: false, config: () => ({ kind: 'socketio', redis: null }) },
  'socketio-redis-x2': {
    instances: 2,
    client: 'socketio',
    op: 'broadcast',
    usesRedis: true,
    config: (env) => ({ kind: 'socketio', redis: { url: env.redisUrl, key: `bench-${env.runId}-sio` } }),
  },
};
