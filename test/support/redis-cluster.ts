import { spawnSync } from 'node:child_process';
import { Cluster, Redis } from 'ioredis';
import { ThrowawayRedis } from './redis';

/** Whether `redis-cli` is installed (it builds and reshards the test Cluster). */
export function redisCliInstalled(): boolean {
  return spawnSync('redis-cli', ['--version'], { timeout: 3000 }).status === 0;
}

/**
 * A real Redis Cluster of local `redis-server` processes: 3 masters and 3 replicas on `basePort`..+5 (bus
 * ports +10000), a short node timeout so a killed master's replica takes over in about two seconds.
 * Fault tests may only use their assigned ports (7400–7499).
 */
export class ThrowawayCluster {
  private constructor(readonly servers: ThrowawayRedis[]) {}

  static async start(basePort: number, nodeTimeoutMs = 1000): Promise<ThrowawayCluster> {
    if (basePort < 7400 || basePort + 5 > 7499) throw new Error('the test Cluster must stay on ports 7400-7499');
    // A replica may always take over (validity factor 0), however long its link was down: tests kill masters early.
    const args = ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', String(nodeTimeoutMs), '--cluster-replica-validity-factor', '0'];
    const servers: ThrowawayRedis[] = [];
    const cluster = new ThrowawayCluster(servers);
    try {
      for (let i = 0; i < 6; i++) servers.push(await ThrowawayRedis.start({ port: basePort + i, args }));
      cli(['--cluster', 'create', ...servers.map((s) => `127.0.0.1:${s.port}`), '--cluster-replicas', '1', '--cluster-yes']);
      await cluster.waitHealthy();
    } catch (error) {
      await cluster.dispose();
      throw error;
    }
    return cluster;
  }

  /** Seed URLs for the adapter (every node). */
  get nodes(): string[] {
    return this.servers.map((s) => s.url);
  }

  /** Until every live node reports `cluster_state:ok`, 3 masters cover all slots, and every live replica's link to its master is up. */
  async waitHealthy(ms = 20000): Promise<void> {
    const end = Date.now() + ms;
    for (;;) {
      const states = await Promise.all(this.live().map((s) => this.query(s.port, ['CLUSTER', 'INFO']).catch(() => '')));
      const roles = await Promise.all(this.live().map((s) => this.query(s.port, ['INFO', 'replication']).catch(() => '')));
      const synced = roles.every((r) => !String(r).includes('role:slave') || String(r).includes('master_link_status:up'));
      const masters = await this.masters().catch(() => []);
      if (states.every((s) => String(s).includes('cluster_state:ok')) && synced && masters.length === 3) return;
      if (Date.now() > end) throw new Error('the test Cluster did not become healthy');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** The master ports owning slots, from CLUSTER SLOTS of a live node. */
  async masters(): Promise<Array<{ port: number; id: string; slots: Array<[number, number]> }>> {
    const reply = (await this.query(this.live()[0].port, ['CLUSTER', 'SLOTS'])) as Array<[number, number, [string, number, string]]>;
    const byPort = new Map<number, { port: number; id: string; slots: Array<[number, number]> }>();
    for (const [from, to, [, port, id]] of reply) {
      const entry = byPort.get(port) ?? { port, id, slots: [] };
      entry.slots.push([from, to]);
      byPort.set(port, entry);
    }
    return [...byPort.values()];
  }

  /** The master port serving `slot`. */
  async ownerOf(slot: number): Promise<{ port: number; id: string }> {
    const owner = (await this.masters()).find((m) => m.slots.some(([from, to]) => slot >= from && slot <= to));
    if (!owner) throw new Error(`no master serves slot ${slot}`);
    return owner;
  }

  /** SIGKILLs the master serving `slot` and waits (bounded) until its replica has taken the slot over. */
  async killMasterOf(slot: number, ms = 20000): Promise<number> {
    const { port } = await this.ownerOf(slot);
    await this.server(port).kill();
    const end = Date.now() + ms;
    while ((await this.ownerOf(slot).catch(() => ({ port }))).port === port) {
      if (Date.now() > end) throw new Error(`no replica took slot ${slot} over from the killed master ${port}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await this.waitHealthy(ms);
    return port;
  }

  /** Restarts every killed node (it rejoins as a replica of the master that took over) and waits until healthy: the next kill fails over again. */
  async revive(ms = 20000): Promise<void> {
    for (const server of this.servers.filter((s) => !s.running)) await server.restart();
    await this.waitHealthy(ms);
  }

  /** Moves `slot` (with its keys) to another master, as `redis-cli --cluster reshard` does for one slot. */
  async migrateSlot(slot: number): Promise<{ from: number; to: number }> {
    const source = await this.ownerOf(slot);
    const target = (await this.masters()).find((m) => m.port !== source.port)!;
    const [from, to] = [source.port, target.port];
    await this.query(to, ['CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', source.id]);
    await this.query(from, ['CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', target.id]);
    for (;;) {
      const keys = (await this.query(from, ['CLUSTER', 'GETKEYSINSLOT', String(slot), '100'])) as string[];
      if (keys.length === 0) break;
      await this.query(from, ['MIGRATE', '127.0.0.1', String(to), '', '0', '5000', 'KEYS', ...keys]);
    }
    for (const port of [to, from]) await this.query(port, ['CLUSTER', 'SETSLOT', String(slot), 'NODE', target.id]);
    return { from, to };
  }

  /** A Cluster client for test reads and cleanup. */
  client(): Cluster {
    return new Cluster(this.servers.filter((s) => s.running).map((s) => ({ host: '127.0.0.1', port: s.port })));
  }

  /** Every key matching `pattern` on every master (SCAN per node). */
  async keys(pattern: string): Promise<string[]> {
    const found: string[] = [];
    for (const { port } of await this.masters()) {
      const redis = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1 });
      try {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
          found.push(...keys);
          cursor = next;
        } while (cursor !== '0');
      } finally {
        redis.disconnect();
      }
    }
    return found;
  }

  /** Removes every key under `prefix` from every master (one UNLINK per key: keys of one call span slots). */
  async deletePrefix(prefix: string): Promise<void> {
    const client = this.client();
    try {
      await Promise.all((await this.keys(`${prefix}:*`)).map((key) => client.unlink(key)));
    } finally {
      client.disconnect();
    }
  }

  /** Runs one command on the node at `port` (test inspection: CLIENT LIST, INFO). */
  async on(port: number, ...command: string[]): Promise<unknown> {
    return this.query(port, command);
  }

  async dispose(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.dispose()));
  }

  private live(): ThrowawayRedis[] {
    return this.servers.filter((s) => s.running);
  }

  private server(port: number): ThrowawayRedis {
    const server = this.servers.find((s) => s.port === port);
    if (!server) throw new Error(`no test Cluster node on port ${port}`);
    return server;
  }

  private async query(port: number, command: string[]): Promise<unknown> {
    const redis = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 0, lazyConnect: true, connectTimeout: 1000, retryStrategy: () => null });
    try {
      await redis.connect();
      return await redis.call(command[0], ...command.slice(1));
    } finally {
      redis.disconnect();
    }
  }
}

function cli(args: string[]): void {
  const run = spawnSync('redis-cli', args, { timeout: 30000, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`redis-cli ${args.join(' ')} failed: ${run.stderr || run.stdout}`);
}
