import type { StreamSummary } from '../interfaces/stream-payloads.interface';
import type { ItemChange, ItemVersion, StreamFrame, UpdateOpError } from 'nest-realtime-streams-protocol';
import type { PresenceChange, PresenceStore } from '../presence/presence.types';
import type { ItemWriteOptions, VersionedValue } from './item-write.condition';
import type { IdempotentWrite } from './idempotency/idempotent-write';
import type { MutationLedger, MutationLedgerLimits } from './mutation-ledger/mutation.ledger';

/**
 * A published frame plus its per-group position. `seq` increases by one per event of a group and is
 * what lets a join drop live events its snapshot already contains (SPEC §7.5); `epoch` names the group's
 * history, so a resume position from another history is recognised as such (SPEC §7.4).
 */
export interface StreamEnvelope {
  readonly frame: StreamFrame;
  readonly seq: number;
  readonly epoch?: string;
  /** @internal The frame as the adapter published it (JSON), when it has it, so nobody encodes it again. */
  readonly json?: string;
  /** @internal The idempotency key of the write that made the event, if it had one (never on the wire). */
  readonly idempotencyKey?: string;
  /** @internal How the write changed its item (an `update` event of a stored item): what delta subscriptions get (SPEC §9). */
  readonly change?: ItemChange;
}

/** A frame to publish, before the adapter stamps its timestamp. */
export type StreamMessage = Omit<StreamFrame, 'type' | 'timestamp'>;

export interface AdapterSetOutcome {
  old_value: unknown;
  new_value: unknown;
  /** The item's version now: its write's position, `epoch:seq` (SPEC §8). */
  version: string;
  /** Null when the call was an idempotent replay (nothing written or published). */
  envelope: StreamEnvelope | null;
  /** Set when the call was an idempotent replay: the result is the first call's. */
  replayed?: true;
}

export interface AdapterUpdateOutcome extends AdapterSetOutcome {
  errors: UpdateOpError[];
}

export interface AdapterDeleteOutcome {
  old_value: unknown;
  /** The delete event's position, null when nothing was removed. */
  version: string | null;
  /** Null when nothing was removed or the call was an idempotent replay (nothing is published then). */
  envelope: StreamEnvelope | null;
  replayed?: true;
}

/** A group's position at one instant: the last event's `seq` and a fresh timestamp later than every event so far. */
export interface StreamPosition {
  seq: number;
  timestamp: number;
  epoch?: string;
}

/** What a resume gets: the events it missed, oldest first, and the position they end at. */
export interface StreamReplay {
  envelopes: StreamEnvelope[];
  position: StreamPosition;
  /** Asked with `versions`: the items' ids and versions at `position` (a group), or the item's version. */
  items?: ItemVersion[];
  version?: string | null;
}

/** Which versions a read adds (a delta subscription's answer): every item of the group (`item` null) or one item's. */
export interface VersionsRead {
  item: string | null;
}

export interface StreamSnapshot extends StreamPosition {
  /** The item value (or null) for an item snapshot, the array of values for a group snapshot. */
  data: unknown;
  /** Asked with `versions`: a group's item ids and versions, in the order of `data`. */
  items?: ItemVersion[];
  /** Asked with `versions`: an item's version (null when missing). */
  version?: string | null;
}

/**
 * Where an adapter delivers the events of the groups watched on this process: one per adapter, registered
 * once by the module (the in-process hub). It must not throw: it isolates its own consumers.
 */
export interface StreamSink {
  deliver(envelope: StreamEnvelope): void;
  /**
   * The adapter can no longer prove the sink received every event of a watched group (events published while
   * its connection was down are no longer in history, or the group's history started over): whoever holds
   * state built from those events must read the group again (SPEC §7.9).
   */
  continuityLost(stream: string, group: string): void;
  /** A presence change of a watched group, written by this instance or another one (shared presence stores). */
  presence(change: PresenceChange): void;
  /** Presence changes of a watched group may have been missed (its subscription was renewed): read the group again. */
  presenceLost(stream: string, group: string): void;
}

/** Ends one `watch` of a group. */
export type Unwatch = () => Promise<void>;

/** Told of each delete an expiry made on this instance (exactly one instance per expiry): change handlers, metrics. */
export type ExpiryListener = (envelope: StreamEnvelope) => void;

/**
 * Storage plus publish/subscribe, one implementation per backend (memory, file, redis). Every write is
 * atomic per item and publishes its own frame in the same step, so per-group order, timestamps and
 * `seq` agree everywhere. Values are `null` when missing, never `undefined`.
 *
 * Each item keeps the version of its last write (the position of that write's event), stored with the
 * value. A write with a `condition` checks it in that same atomic step; when it does not hold, the write
 * stores and publishes nothing and rejects with a StreamsConflictError.
 *
 * A write (or publish) with an idempotency key first looks the key up in its group, in the same atomic
 * step: a live record of the same call answers the recorded result (`replayed`, no envelope) and writes and
 * publishes nothing; a record of another call rejects with StreamsIdempotencyError. Otherwise the write runs
 * and, unless refused, its result is recorded under the key, and its event carries the key.
 */
export abstract class StreamAdapter {
  abstract get(stream: string, group: string, item: string): Promise<unknown>;
  abstract getVersioned(stream: string, group: string, item: string): Promise<VersionedValue>;
  abstract set(stream: string, group: string, item: string, data: unknown, options?: ItemWriteOptions): Promise<AdapterSetOutcome>;
  abstract update(stream: string, group: string, item: string, ops: readonly unknown[], options?: ItemWriteOptions): Promise<AdapterUpdateOutcome>;
  abstract delete(stream: string, group: string, item: string, options?: ItemWriteOptions): Promise<AdapterDeleteOutcome>;
  /** Item values of a group (insertion order where the backend keeps one). */
  abstract list(stream: string, group: string): Promise<unknown[]>;
  /** Groups of a stream holding at least one item. */
  abstract listGroups(stream: string): Promise<string[]>;
  /** Every stream with its groups, both sorted. */
  abstract listAll(): Promise<StreamSummary[]>;
  /** Stamps and publishes a frame that stores nothing (`send`, writes of custom streams); null when an idempotent replay. */
  abstract publish(message: StreamMessage, idempotency?: IdempotentWrite): Promise<StreamEnvelope | null>;
  /**
   * Reads an item (`item` set) or a group, atomically with the group's position; with `versions`, also each
   * item's id and version (what a delta subscription's sync carries).
   */
  abstract snapshot(stream: string, group: string, item: string | null, versions?: boolean): Promise<StreamSnapshot>;
  /** The group's position now, for snapshots read from a custom stream. */
  abstract position(stream: string, group: string): Promise<StreamPosition>;
  /**
   * The group's events after `seq` of history `epoch`, read atomically with its position; null when they
   * are no longer all kept or the epoch is not the group's current one (the client must re-sync).
   */
  history?(stream: string, group: string, epoch: string, seq: number, versions?: VersionsRead): Promise<StreamReplay | null>;
  /** Registers the sink every watched group's events go to; called once, before the first `watch`. */
  abstract attach(sink: StreamSink): void;
  /**
   * Declares interest in a group: every frame of it published anywhere reaches the sink until the last
   * `Unwatch` of it; resolves once delivery is live. Adapters that deliver in-process never lose an event and
   * never call the sink's `continuityLost`.
   */
  abstract watch(stream: string, group: string): Promise<Unwatch>;
  /**
   * Registers who is told of each delete an item expiry made (SPEC §8): expired items read as missing at
   * once and are deleted by a bounded sweep each tick, on exactly one instance, publishing `delete`.
   */
  abstract onExpire(listener: ExpiryListener): void;
  /** @internal Runs one sweep now (tests); resolves with how many items it deleted. */
  abstract sweepExpired(): Promise<number>;
  /**
   * Presence shared beyond this process (Redis): its writes publish their changes on the groups' channels,
   * which reach the sink (`presence`) of every instance watching the group; timed by the adapter's own
   * `presence` option. Adapters without it keep presence in-process.
   */
  presenceStore?(): PresenceStore;
  /** The exactly-once ledger of client mutations shared by every instance (Redis); adapters without it keep one in-process. */
  mutationLedger?(limits: MutationLedgerLimits): MutationLedger;
  /** Health probe for the adapter (e.g. a Redis PING). */
  abstract ping(): Promise<void>;
  abstract close(): Promise<void>;
}
