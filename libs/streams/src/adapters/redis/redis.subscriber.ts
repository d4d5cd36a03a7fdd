import type { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { LocalFanout } from '../local-fanout';
import type { StreamEnvelope, StreamListener, StreamReplay, Unsubscribe } from '../stream-adapter.interface';
import { decodeEventMessage } from './redis-event.message';
import { RedisAdapterError } from './redis.errors';
import type { RedisKeyspace } from './redis.keys';

/** Reads a group's events after a position from its log (the adapter's `history`). */
export type RedisReplaySource = (stream: string, group: string, epoch: string, seq: number) => Promise<StreamReplay | null>;

interface ChannelEntry {
  stream: string;
  group: string;
  /** Local subscriptions sharing this channel. */
  refs: number;
  /** Settles when Redis acknowledged the latest SSUBSCRIBE of the channel (and any catch-up is done). */
  live: Promise<void>;
  /** Position of the last event handed to the listeners. */
  last: { epoch: string; seq: number } | null;
  /** Events that arrived while the channel catches up after a reconnect, in arrival order. */
  held: StreamEnvelope[] | null;
  /** Counts reconnects, so a catch-up overtaken by a newer one stands down. */
  generation: number;
}

type CatchUp = 'none' | 'replayed' | 'lost';

/**
 * The subscriber connection: one sharded channel per group with local subscribers, reference-counted, so
 * an instance only receives the groups it serves. SSUBSCRIBE/SUNSUBSCRIBE go out on one connection in call
 * order, so the last call wins: a late unsubscribe can never cancel a newer subscribe of the same group.
 *
 * After a reconnect every channel in use is subscribed again and then caught up from the group's log, so
 * events published while this connection was down still reach the listeners, once and in order (as long as
 * the log still holds them).
 */
export class RedisSubscriber {
  private readonly fanout = new LocalFanout();
  private readonly channels = new Map<string, ChannelEntry>();

  constructor(
    private readonly client: Redis,
    private readonly keys: RedisKeyspace,
    private readonly replay: RedisReplaySource,
    private readonly target: string,
    private readonly logger: Logger,
  ) {
    client.on('smessage', (channel: string, message: string) => this.receive(channel, message));
  }

  async subscribe(stream: string, group: string, listener: StreamListener): Promise<Unsubscribe> {
    if (this.client.status !== 'ready') throw new RedisAdapterError('subscribe', this.target, this.client, 'not connected');
    const { channel } = this.keys.group(stream, group);
    const remove = this.fanout.subscribe(stream, group, (envelope) => {
      try {
        listener(envelope);
      } catch (error) {
        this.logger.error(`A stream listener of ${stream}/${group} threw: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
    let entry = this.channels.get(channel);
    if (!entry) {
      entry = { stream, group, refs: 0, live: this.ssubscribe(channel), last: null, held: null, generation: 0 };
      this.channels.set(channel, entry);
    }
    entry.refs++;
    const shared = entry;
    let released = false;
    const release = async (): Promise<void> => {
      if (released) return;
      released = true;
      await remove();
      if (--shared.refs > 0 || this.channels.get(channel) !== shared) return;
      this.channels.delete(channel);
      // Best effort: after a reconnect only channels still in use are subscribed again anyway.
      await this.client.sunsubscribe(channel).catch(() => undefined);
    };
    try {
      await shared.live;
    } catch (error) {
      if (this.channels.get(channel) === shared) this.channels.delete(channel);
      await release();
      throw new RedisAdapterError('subscribe', this.target, this.client, error);
    }
    return release;
  }

  /** After a reconnect: subscribes every channel in use again and catches it up; new subscribers wait for it. */
  async resubscribe(): Promise<void> {
    const entries = [...this.channels.entries()];
    if (entries.length === 0) return;
    const outcomes = entries.map(([channel, entry]) => {
      const generation = ++entry.generation;
      entry.held = [];
      const outcome = this.ssubscribe(channel).then(
        () => this.catchUp(entry, generation),
        (error: unknown) => {
          this.flush(entry, generation);
          throw error;
        },
      );
      entry.live = outcome.then(() => undefined);
      return outcome;
    });
    const results = await Promise.allSettled(outcomes);
    const failed = results.filter((r) => r.status === 'rejected').length;
    const count = (value: CatchUp) => results.filter((r) => r.status === 'fulfilled' && r.value === value).length;
    if (failed > 0) {
      this.logger.warn(`Redis resubscribe failed for ${failed} of ${entries.length} group channel(s) on ${this.target}; retrying on the next reconnect`);
      return;
    }
    this.logger.log(`Redis resubscribed ${entries.length} group channel(s) on ${this.target}; ${count('replayed')} caught up from history`);
    const lost = count('lost');
    if (lost > 0) this.logger.warn(`Redis: ${lost} group(s) on ${this.target} may have missed events published while disconnected (no longer in their history)`);
  }

  clear(): void {
    this.fanout.clear();
    this.channels.clear();
  }

  private ssubscribe(channel: string): Promise<void> {
    return this.client.ssubscribe(channel).then(() => undefined);
  }

  /** Hands the listeners what the group's log holds after the last event they saw, then what arrived meanwhile. */
  private async catchUp(entry: ChannelEntry, generation: number): Promise<CatchUp> {
    let replay: StreamReplay | null = null;
    let outcome: CatchUp = 'none';
    if (entry.last) {
      replay = await this.replay(entry.stream, entry.group, entry.last.epoch, entry.last.seq).catch(() => null);
      outcome = replay ? 'replayed' : 'lost';
    }
    if (entry.generation !== generation) return 'none';
    for (const envelope of replay?.envelopes ?? []) this.deliver(entry, envelope);
    this.flush(entry, generation);
    return outcome;
  }

  /** Ends a catch-up: what arrived meanwhile goes out, and later events go straight through again. */
  private flush(entry: ChannelEntry, generation: number): void {
    if (entry.generation !== generation) return;
    const held = entry.held ?? [];
    entry.held = null;
    for (const envelope of held) this.deliver(entry, envelope);
  }

  private receive(channel: string, message: string): void {
    const entry = this.channels.get(channel);
    if (!entry) return;
    let envelope: StreamEnvelope;
    try {
      envelope = decodeEventMessage(message);
    } catch {
      this.logger.warn(`Ignored a malformed message on a streams channel of ${this.target}`);
      return;
    }
    if (entry.held) entry.held.push(envelope);
    else this.deliver(entry, envelope);
  }

  /** Each event once: a replayed event that also arrives live (or the reverse) is dropped the second time. */
  private deliver(entry: ChannelEntry, envelope: StreamEnvelope): void {
    const last = entry.last;
    if (last && last.epoch === envelope.epoch && envelope.seq <= last.seq) return;
    entry.last = { epoch: envelope.epoch ?? '', seq: envelope.seq };
    this.fanout.deliver(envelope);
  }
}
