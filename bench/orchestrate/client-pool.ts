import { RpcChild } from '../ipc/rpc-parent';
import type { ClientApi, ClientKind, ClientReport } from '../clients/client-api';

/** Time allowed per 1,000 sockets to connect and join, on top of a fixed allowance. */
const CONNECT_MS_PER_1000 = 15_000;
const CONNECT_BASE_MS = 10_000;
const QUICK_CALL_MS = 10_000;

/**
 * The load processes, started once and reused by every row (starting them is the slow part); each holds
 * an equal share of the sockets. A dead one is replaced at the next connect.
 */
export class ClientPool {
  private procs: Array<RpcChild<ClientApi>> = [];

  constructor(readonly size: number) {}

  /** Opens `count` sockets as set `set`, split evenly over the load processes. */
  async connect(set: string, kind: ClientKind, urls: string[], count: number): Promise<void> {
    await this.ensure();
    const timeout = CONNECT_BASE_MS + (CONNECT_MS_PER_1000 * count) / 1000;
    const shares = this.procs.map((_, i) => Math.floor(count / this.size) + (i < count % this.size ? 1 : 0));
    // Each process starts at its own server, so with two servers both get an equal split however `count` divides.
    await Promise.all(
      this.procs.map((proc, i) => proc.call('connect', { set, kind, urls: rotate(urls, i), count: shares[i] }, timeout)),
    );
  }

  async arm(set: string, perSocket: number): Promise<void> {
    await Promise.all(this.procs.map((proc) => proc.call('arm', { set, perSocket }, QUICK_CALL_MS)));
  }

  wait(idleMs: number, timeoutMs: number): Promise<ClientReport[]> {
    return Promise.all(this.procs.map((proc) => proc.call('wait', { idleMs }, timeoutMs)));
  }

  /** Closes every socket of every set; a load process that does not answer is killed (and replaced later). */
  async disconnect(): Promise<void> {
    await Promise.all(this.procs.map((proc) => proc.call('disconnect', undefined, QUICK_CALL_MS).catch(() => proc.kill())));
  }

  async close(): Promise<void> {
    await Promise.all(this.procs.map((proc) => proc.stop()));
    this.procs = [];
  }

  private async ensure(): Promise<void> {
    this.procs = this.procs.filter((proc) => proc.alive);
    while (this.procs.length < this.size) {
      this.procs.push(await RpcChild.start<ClientApi>(`load client ${this.procs.length + 1}`, 'clients/client.main.ts', []));
    }
  }
}

function rotate<T>(items: T[], by: number): T[] {
  const k = by % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}
