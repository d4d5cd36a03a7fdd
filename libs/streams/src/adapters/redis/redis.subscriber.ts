import type { Logger } from '@nestjs/common';
import type { PresenceChange } from '../../presence/presence.types';
import type { StreamEnvelope, StreamPosition, StreamReplay, StreamSink, Unwatch } from '../stream-adapter.interface';
import { decodeEventMessage } from './redis-event.message';
import { decodePresenceMessage, isPresenceMessage } from './redis-presence.message';
import { RedisAdapterError } from './redis.errors';
import type { RedisKeyspace } from './redis.keys';
import type { SubscriberLink } from './redis-subscriber.link';

/** Reads a group's events after a position from its log (the adapter's `history`). */
export type RedisReplaySource = (stream: string, group: string, epoch: string, seq: number) => Promise<StreamReplay | null>;

/** A place in a group's history. */
interface Mark {
  epoch: string;
  seq: number;
}

interface ChannelEntry {
  stream: string;
  group: string;
  /** Watches of the group on this process sharing this channel. */
  refs: number;
  /** Settles when Redis acknowledged the latest SSUBSCRIBE of the channel (and any catch-up is done). */
  live: Promise<void>;
  /** Position of the last event handed to the sink. */
  last: Mark | null;
  /**
   * Where the group stood at the first snapshot read through this adapter while the channel was live and no
   * event had been handed over (see `observe`): a catch-up starts there while no event has been handed over
   * since, so quiet groups are caught up too. Never used to drop events: live ones may arrive after it was
   * read yet be older.
   */
  origin: Mark | null;
  /** Events that arrived while the channel catches up after a reconnect, in arrival order. */
  held: StreamEnvelope[] | null;
  /**
   * Its last resubscribe failed: live events are dropped until the next one catches it up (that catch-up
   * replays them from the log). A failed SSUBSCRIBE may still have taken effect (a Cluster connection
   * rejects every one in flight when one of them is redirected), and events it brings follow a gap.
   */
  stale: boolean;
  /** Counts reconnects, so a catch-up overtaken by a newer one stands down. */
  generation: number;
  /** The newest timestamp of the group handed to the sink or read through this adapter (see `floor`). */
  newest: number;
}

/** Until the module registers its sink: events go nowhere. */
const NO_SINK: StreamSink = { deliver: () => undefined, continuityLost: () => undefined, presence: () => undefined, presenceLost: () => undefined };

type CatchUp = 'none' | 'replayed' | 'lost';

/**
 * The subscriber side: one sharded channel per group watched on this process, reference-counted, so an
 * instance only receives the groups it serves; every event, and every presence change the presence store
 * publishes there, goes to the sink. A channel's SSUBSCRIBE/SUNSUBSCRIBE go out on one connection
 * (the one to the server serving its slot) in call order, so the last call wins: a late unsubscribe can
 * never cancel a newer subscribe of the same group.
 *
 * After a reconnect (or, on a Cluster, a slot move or failover: the link reports the displaced channels)
 * every channel concerned is subscribed again and then caught up from the group's log, so
 * events published while this connection was down still reach the sink, once and in order. When the
 * log no longer holds them (trimmed, expired, Redis restarted or emptied), or a group's events move to a new
 * history epoch, nothing proves the sink saw everything: it is told the group's continuity was lost instead.
 * Presence changes published meanwhile are not in the log: the sink is told to read the group's presence
 * again (`presenceLost`) as soon as the channel is subscribed again.
 */
export class RedisSubscriber {
  private sink = NO_SINK;
  private readonly channels = new Map<string, ChannelEntry>();

  constructor(
    private readonly link: SubscriberLink,
    private readonly keys: RedisKeyspace,
    private readonly replay: RedisReplaySource,
    private readonly target: string,
    private readonly logger: Logger,
  ) {
    link.attach({ message: (channel, message) => this.receive(channel, message), displaced: (channels) => void this.resubscribe(channels) });
  }

  attach(sink: StreamSink): void {
    this.sink = sink;
  }

  async watch(stream: string, group: string): Promise<Unwatch> {
    if (this.link.status !== 'ready') throw new RedisAdapterError('subscribe', this.target, this.link, 'not connected');
    const { channel } = this.keys.group(stream, group);
    let entry = this.channels.get(channel);
    if (!entry) {
      const created: ChannelEntry = { stream, group, refs: 0, live: Promise.resolve(), last: null, origin: null, held: null, stale: false, generation: 0, newest: 0 };
      created.live = this.ssubscribe(channel);
      this.channels.set(channel, (entry = created));
    }
    entry.refs++;
    const shared = entry;
    let released = false;
    const release = async (): Promise<void> => {
      if (released) return;
      released = true;
      if (--shared.refs > 0 || this.channels.get(channel) !== shared) return;
      this.channels.delete(channel);
      // Best effort: after a reconnect only channels still in use are subscribed again anyway.
      await this.link.sunsubscribe(channel).catch(() => undefined);
    };
    try {
      await shared.live;
    } catch (error) {
      if (this.channels.get(channel) === shared) {
        this.channels.delete(channel);
        // The SSUBSCRIBE may have reached Redis after all: stop its messages.
        this.link.sunsubscribe(channel).catch(() => undefined);
      }
      await release();
      throw new RedisAdapterError('subscribe', this.target, this.link, error);
    }
    return release;
  }

  /**
   * After a reconnect: subscribes every channel in use (or the `only` ones) again and catches it up; new
   * subscribers wait for it.
   */
  async resubscribe(only?: readonly string[]): Promise<void> {
    const entries = only ? only.flatMap((c) => { const e = this.channels.get(c); return e ? [[c, e] as const] : []; }) : [...this.channels.entries()];
    if (entries.length === 0) return;
    const outcomes = entries.map(([channel, entry]) => {
      const generation = ++entry.generation;
      entry.held = [];
      entry.stale = false;
      const outcome = this.ssubscribe(channel).then(
        () => {
          // Presence changes are not kept in the log: whatever was published meanwhile is read from the store.
          this.sink.presenceLost(entry.stream, entry.group);
          return this.catchUp(entry, generation);
        },
        (error: unknown) => {
          if (entry.generation === generation) {
            entry.held = null;
            entry.stale = true;
          }
          throw error;
        },
      );
      entry.live = outcome.then(() => undefined);
      // Subscribers arriving meanwhile wait for (and see) the outcome; nobody else has to.
      entry.live.catch(() => undefined);
      return outcome;
    });
    const results = await Promise.allSettled(outcomes);
    const failed = results.filter((r) => r.status === 'rejected').length;
    const count = (value: CatchUp) => results.filter((r) => r.status === 'fulfilled' && r.value === value).length;
    if (failed > 0) {
      this.logger.warn(`Redis resubscribe failed for ${failed} of ${entries.length} group channel(s) on ${this.target}; retrying once the connection (or the slot's new master) is back`);
      return;
    }
    this.logger.log(`Redis resubscribed ${entries.length} group channel(s) on ${this.target}; ${count('replayed')} caught up from history`);
    const lost = count('lost');
    if (lost > 0) this.logger.warn(`Redis: ${lost} group(s) on ${this.target} could not be caught up from history; their subscribers are re-synced`);
  }

  clear(): void {
    this.sink = NO_SINK;
    this.channels.clear();
  }

  private ssubscribe(channel: string): Promise<void> {
    return this.link.ssubscribe(channel);
  }

  /**
   * Hands the sink what the group's log holds after the last event it got (or after the snapshot the
   * group's subscribers started from), then what arrived meanwhile; when the log cannot say, it is told.
   */
  private async catchUp(entry: ChannelEntry, generation: number): Promise<CatchUp> {
    const from = entry.last ?? entry.origin;
    const replay = from ? await this.replay(entry.stream, entry.group, from.epoch, from.seq).catch(() => null) : null;
    if (entry.generation !== generation) return 'none';
    if (replay) for (const envelope of replay.envelopes) this.deliver(entry, envelope);
    else this.lose(entry);
    this.flush(entry, generation);
    return replay ? 'replayed' : 'lost';
  }

  /**
   * A snapshot of the group was read at `position`. The first one while the channel is live and before any
   * event was handed over becomes the catch-up origin: every subscriber of the group here started from it
   * or from a later one, so nothing before it is owed to anyone. (Read at subscribe time instead, a position
   * could be older than a subscriber's snapshot but not newer, and a group with no history yet has none.)
   */
  observe(stream: string, group: string, position: StreamPosition): void {
    const entry = this.channels.get(this.keys.group(stream, group).channel);
    if (!entry) return;
    this.saw(entry, position.timestamp);
    if (entry.last || entry.origin || entry.held || entry.stale || !position.epoch) return;
    entry.origin = { epoch: position.epoch, seq: position.seq };
  }

  /** A timestamp of a watched group read through this adapter (a position for an `unauthorized` frame). */
  observeTimestamp(stream: string, group: string, timestamp: number): void {
    const entry = this.channels.get(this.keys.group(stream, group).channel);
    if (entry) this.saw(entry, timestamp);
  }

  /**
   * The newest timestamp this process handed its clients for a watched group (0 for another group). The
   * scripts stamp past it, so a clock Redis lost (a restart within a second of a burst) never restarts
   * below what those clients saw: the Motia clients would drop the frames that follow, re-sync included.
   */
  floor(channel: string): number {
    return this.channels.get(channel)?.newest ?? 0;
  }

  /** Delivery of the group can no longer be proven complete: its subscribers must read it again (their re-sync snapshots set a new origin). */
  private lose(entry: ChannelEntry): void {
    entry.last = null;
    entry.origin = null;
    this.sink.continuityLost(entry.stream, entry.group);
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
    let decoded: StreamEnvelope | PresenceChange;
    try {
      decoded = isPresenceMessage(message) ? decodePresenceMessage(entry.stream, entry.group, message) : decodeEventMessage(message);
    } catch {
      this.logger.warn(`Ignored a malformed message on a streams channel of ${this.target}`);
      return;
    }
    // A presence change is versioned by its store, not by the group's log: no catch-up, straight to the sink.
    if (!('frame' in decoded)) return void (entry.stale || this.sink.presence(decoded));
    const envelope = decoded;
    if (entry.held) entry.held.push(envelope);
    else if (!entry.stale) this.deliver(entry, envelope);
  }

  /**
   * Each event once: a replayed event that also arrives live (or the reverse) is dropped the second time.
   * An event of another history epoch than the last one delivered means the group's history started over (Redis
   * restarted, emptied or failed over): what happened in between is unknown, so the sink is told first.
   */
  private deliver(entry: ChannelEntry, envelope: StreamEnvelope): void {
    const epoch = envelope.epoch ?? '';
    const last = entry.last;
    if (last && last.epoch === epoch && envelope.seq <= last.seq) return;
    const known = last ?? entry.origin;
    if (known && known.epoch !== epoch) this.lose(entry);
    entry.last = { epoch, seq: envelope.seq };
    this.saw(entry, envelope.frame.timestamp);
    this.sink.deliver(envelope);
  }

  private saw(entry: ChannelEntry, timestamp: number): void {
    if (timestamp > entry.newest) entry.newest = timestamp;
  }
}
