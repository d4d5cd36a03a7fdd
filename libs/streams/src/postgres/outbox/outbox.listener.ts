import type { Logger } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';

/**
 * LISTEN on the outbox channel on a connection of its own, taken from the pool for good: each NOTIFY (sent
 * by a write's transaction at its commit) wakes the relay. A lost connection is replaced every `retryMs`
 * until it is back, then the relay is woken once, for what was committed meanwhile; the relay's polling
 * covers the gap.
 */
export class OutboxListener {
  private client: PoolClient | null = null;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private lostLogged = false;
  private readonly released = new WeakSet<PoolClient>();

  constructor(
    private readonly pool: Pool,
    private readonly channel: string,
    private readonly wake: () => void,
    private readonly retryMs: number,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const client = this.client;
    this.client = null;
    if (!client || this.released.has(client)) return;
    this.released.add(client);
    // Destroyed, not returned: a pooled connection must not keep listening for someone else.
    client.release(true);
  }

  private async connect(): Promise<void> {
    let client: PoolClient | undefined;
    try {
      client = await this.pool.connect();
      client.on('notification', this.wake);
      client.on('error', (error) => this.lost(client!, error));
      await client.query(`LISTEN "${this.channel}"`);
    } catch (error) {
      if (client) this.lost(client, error);
      else this.retry(error);
      return;
    }
    if (this.stopped) {
      client.release(true);
      return;
    }
    this.client = client;
    if (this.lostLogged) this.logger.log(`outbox: LISTEN "${this.channel}" is back`);
    this.lostLogged = false;
    this.wake();
  }

  private lost(client: PoolClient, error: unknown): void {
    // A dying connection may report more than once; it is released (and a retry scheduled) once.
    if (this.released.has(client)) return;
    this.released.add(client);
    if (this.client === client) this.client = null;
    client.removeAllListeners('notification');
    // The pool needs an error handler on a released client too: a dead socket may still report.
    client.on('error', () => undefined);
    client.release(true);
    this.retry(error);
  }

  private retry(error: unknown): void {
    if (this.stopped) return;
    if (!this.lostLogged) this.logger.warn(`outbox: LISTEN "${this.channel}" failed (${error instanceof Error ? error.message : String(error)}); polling every ${this.retryMs} ms until it is back`);
    this.lostLogged = true;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.connect(), this.retryMs);
  }
}
