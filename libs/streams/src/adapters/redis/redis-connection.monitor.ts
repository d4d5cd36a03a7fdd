import type { Logger } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';

/**
 * Logs a connection's state changes once per transition (lost, reconnected) instead of once per failed
 * retry, and tells the owner when the connection is back. Listening to `error` also keeps ioredis from
 * printing every reconnect attempt as an unhandled error event.
 */
export class RedisConnectionMonitor {
  private ready = false;
  private lost = false;
  private closing = false;
  private lastError: string | null = null;

  constructor(
    client: Redis | Cluster,
    private readonly role: string,
    private readonly target: string,
    private readonly logger: Logger,
    onRecovered: () => void,
  ) {
    client.on('error', (error: Error) => (this.lastError = error.message));
    client.on('ready', () => {
      this.ready = true;
      this.lastError = null;
      if (!this.lost) return;
      this.lost = false;
      this.logger.log(`Redis reconnected (${this.describe()})`);
      onRecovered();
    });
    client.on('close', () => {
      if (!this.ready || this.closing) return;
      this.ready = false;
      this.lost = true;
      this.logger.warn(`Redis connection lost (${this.describe()}): ${this.lastError ?? 'connection closed'}; reconnecting`);
    });
    client.on('end', () => {
      if (!this.closing && this.lost) this.logger.error(`Redis connection given up (${this.describe()}): the retry strategy stopped reconnecting`);
    });
  }

  /** The adapter is closing: the coming close is not an outage. */
  markClosing(): void {
    this.closing = true;
  }

  private describe(): string {
    return `${this.role} connection to ${this.target}`;
  }
}
