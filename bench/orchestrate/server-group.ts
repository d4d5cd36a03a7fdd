import { join } from 'node:path';
import { RpcChild } from '../ipc/rpc-parent';
import type { MemoryPerConnection } from '../model';
import type { MemorySample, ServerApi, ServerConfig } from '../servers/server-api';
import type { BenchEnv } from './bench-env';

const START_TIMEOUT_MS = 30_000;
const CALL_TIMEOUT_MS = 15_000;
const PROFILE_DIR = join(__dirname, '../results/profiles');

/** The one or two processes of one server under test; the first one is the writer. */
export class ServerGroup {
  private constructor(
    private readonly procs: Array<RpcChild<ServerApi>>,
    readonly urls: string[],
  ) {}

  /** Starts `instances` processes of `config`; with `cpuProf`, each writes a V8 CPU profile when it exits. */
  static async start(label: string, config: ServerConfig, instances: number, env: BenchEnv): Promise<ServerGroup> {
    const profile = env.cpuProf !== null && label.includes(env.cpuProf);
    const procs: Array<RpcChild<ServerApi>> = [];
    try {
      for (let i = 0; i < instances; i++) {
        const name = `${label} server ${i + 1}`;
        const execArgv = profile ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`, `--cpu-prof-name=${name.replace(/\W+/g, '-')}.cpuprofile`] : [];
        procs.push(await RpcChild.start<ServerApi>(name, 'servers/server.main.ts', [JSON.stringify(config)], execArgv));
      }
      const ports = await Promise.all(procs.map((proc) => proc.call('start', undefined, START_TIMEOUT_MS)));
      return new ServerGroup(procs, ports.map(({ port }) => `ws://127.0.0.1:${port}`));
    } catch (error) {
      procs.forEach((proc) => proc.kill());
      throw error;
    }
  }

  get writer(): RpcChild<ServerApi> {
    return this.procs[0];
  }

  async mark(): Promise<void> {
    await Promise.all(this.procs.map((proc) => proc.call('mark', undefined, CALL_TIMEOUT_MS)));
  }

  /** CPU µs of every process of the group since `mark`. */
  async cpuUs(): Promise<number> {
    return (await this.usage()).cpuUs;
  }

  /** CPU µs and TCP writes of every process of the group since `mark`. */
  async usage(): Promise<{ cpuUs: number; writes: number }> {
    const samples = await Promise.all(this.procs.map((proc) => proc.call('measure', undefined, CALL_TIMEOUT_MS)));
    return samples.reduce((sum, s) => ({ cpuUs: sum.cpuUs + s.cpuUs, writes: sum.writes + s.writes }), { cpuUs: 0, writes: 0 });
  }

  /** Memory of every process of the group, summed. */
  async memory(): Promise<MemorySample> {
    const samples = await Promise.all(this.procs.map((proc) => proc.call('memory', undefined, CALL_TIMEOUT_MS)));
    return samples.reduce((sum, s) => ({ rss: sum.rss + s.rss, heapAndExternal: sum.heapAndExternal + s.heapAndExternal }));
  }

  async stop(): Promise<void> {
    await Promise.all(this.procs.map((proc) => proc.stop()));
  }
}

export function perConnection(before: MemorySample, after: MemorySample, connections: number): MemoryPerConnection {
  return {
    heapKiB: (after.heapAndExternal - before.heapAndExternal) / 1024 / connections,
    rssKiB: (after.rss - before.rss) / 1024 / connections,
  };
}
