import type { AdapterType } from '../model';
import type { StreamsAdapterOptions } from 'nest-realtime-streams';
import type { ClientPool } from './client-pool';

/** What every part of one run shares. */
export interface BenchEnv {
  /** Unique per run: Redis key prefixes and socket.io channels carry it, so runs never see each other's data. */
  runId: string;
  redisUrl: string;
  /** Null when Redis answered PING; otherwise why not (Redis rows are skipped with it). */
  redisProblem: string | null;
  /** Scratch directory of the run (file adapter stores), removed at the end. */
  tmpDir: string;
  pool: ClientPool;
  /** Server processes whose group label contains this are started with `--cpu-prof`. */
  cpuProf: string | null;
  log(line: string): void;
}

/** Redis key prefix of this module's adapter in this run; everything under it is deleted afterwards. */
export function streamsKeyPrefix(env: BenchEnv): string {
  return `bench-${env.runId}`;
}

export function streamsAdapter(type: AdapterType, env: BenchEnv): StreamsAdapterOptions {
  switch (type) {
    case 'memory':
      return { type: 'memory' };
    case 'file':
      return { type: 'file', path: `${env.tmpDir}/file-adapter` };
    case 'redis':
      return { type: 'redis', url: env.redisUrl, keyPrefix: streamsKeyPrefix(env) };
  }
}
