import type { Redis } from 'ioredis';

/** What the subscriber needs to hear from its connection(s). */
export interface SubscriberLinkHandlers {
  message(channel: string, message: string): void;
  /** These channels are no longer subscribed (node lost, slot moved): subscribe them again and catch them up. */
  displaced(channels: string[]): void;
}

/**
 * The connection(s) that carry sharded pub/sub: one connection to a standalone server, or one per Cluster
 * master (redis-cluster.subscribers.ts). `ssubscribe` resolves once the server serving the channel confirmed.
 */
export interface SubscriberLink {
  /** `ready` when subscribing can succeed now (else subscribes fail fast). */
  readonly status: string;
  attach(handlers: SubscriberLinkHandlers): void;
  ssubscribe(channel: string): Promise<void>;
  sunsubscribe(channel: string): Promise<void>;
  close(): Promise<void>;
}

/** A standalone (or Sentinel) server: one subscriber connection; its reconnects are followed by the adapter's monitor. */
export class SingleSubscriberLink implements SubscriberLink {
  constructor(private readonly client: Redis) {}

  get status(): string {
    return this.client.status;
  }

  attach(handlers: SubscriberLinkHandlers): void {
    this.client.on('smessage', (channel: string, message: string) => handlers.message(channel, message));
  }

  async ssubscribe(channel: string): Promise<void> {
    await this.client.ssubscribe(channel);
  }

  async sunsubscribe(channel: string): Promise<void> {
    await this.client.sunsubscribe(channel);
  }

  async close(): Promise<void> {
    if (this.client.status === 'end') return;
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
