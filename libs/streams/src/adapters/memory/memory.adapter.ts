import type { StreamSummary } from '../../interfaces/stream-payloads.interface';
import { StreamsConflictError } from '../../errors/streams.errors';
import { formatPosition, applyUpdateOps, type ItemChange } from 'nest-realtime-streams-protocol';
import { conditionConflict, type ItemWriteOptions, type VersionedValue, type WriteCondition } from '../item-write.condition';
import { setChange, updateChange } from '../delta/item-change';
import { DEFAULT_HISTORY } from '../history/history.defaults';
import type { HistoryLimits } from '../history/group-log';
import { LocalEventLog, type Reservation } from '../history/local-event-log';
import { IdempotencyLedger } from '../idempotency/idempotency.ledger';
import { MemoryLedgerStorage } from '../idempotency/idempotency-record.index';
import { DEFAULT_IDEMPOTENCY, type IdempotencyLimits, type IdempotentWrite, recordedResult, replayed } from '../idempotency/idempotent-write';
import { ExpiryHeap } from '../expiry/expiry.heap';
import { DEFAULT_EXPIRY, type ExpiryLimits, expired, expiresAt, startSweeps } from '../expiry/item-expiry';
import {
  type ExpiryListener,
  type AdapterDeleteOutcome,
  type AdapterSetOutcome,
  type AdapterUpdateOutcome,
  StreamAdapter,
  type StreamEnvelope,
  type StreamMessage,
  type StreamPosition,
  type StreamReplay,
  type StreamSnapshot,
  type StreamSink,
  type Unwatch,
  type VersionsRead,
} from '../stream-adapter.interface';

/** A stored item: its value, the version of its last write and when it expires (undefined: never). */
interface StoredItem {
  value: unknown;
  version: string;
  expiresAt?: number;
}

/** A group's items, insertion-ordered: overwriting an item keeps its place, as iii's kv store does. */
type GroupItems = Map<string, StoredItem>;

/**
 * The default adapter: everything in this process, nothing survives a restart. Every write does its work
 * in one synchronous block (at once, or, while its group's clock is at its lead cap, later in call order),
 * which is what makes each write atomic and ordered.
 */
export class MemoryStreamAdapter extends StreamAdapter {
  private readonly streams = new Map<string, Map<string, GroupItems>>();
  private readonly events: LocalEventLog;
  private readonly ledger: IdempotencyLedger;
  private readonly expiries = new ExpiryHeap();
  private readonly stopSweeps: () => Promise<void>;
  private expiryListener: ExpiryListener = () => undefined;

  constructor(
    history: HistoryLimits = DEFAULT_HISTORY,
    idempotency: IdempotencyLimits = DEFAULT_IDEMPOTENCY,
    private readonly expiry: ExpiryLimits = DEFAULT_EXPIRY,
  ) {
    super();
    this.events = new LocalEventLog({ history, hasItems: (stream, group) => this.streams.get(stream)?.has(group) ?? false });
    this.ledger = new IdempotencyLedger(new MemoryLedgerStorage(), idempotency);
    this.stopSweeps = startSweeps(expiry, () => this.sweepExpired());
  }

  /** The groups holding position and history state in this process, sorted (freed once idle; see LocalEventLog). */
  heldGroups(): string[] {
    return this.events.held();
  }

  async get(stream: string, group: string, item: string): Promise<unknown> {
    return clone(this.find(stream, group, item)?.value ?? null);
  }

  async getVersioned(stream: string, group: string, item: string): Promise<VersionedValue> {
    const found = this.find(stream, group, item);
    return found ? { value: clone(found.value), version: found.version } : { value: null, version: null };
  }

  async set(stream: string, group: string, item: string, data: unknown, options: ItemWriteOptions = {}): Promise<AdapterSetOutcome> {
    const stored = clone(data);
    return this.events.stamp(stream, group, (timestamp) =>
      this.once(stream, group, options.idempotency, () => {
        const old = this.checked(stream, group, item, options.condition);
        const change = setChange(old?.version, old?.value, stored);
        const reservation = this.store(stream, group, item, stored, options.ttlMs);
        const envelope = this.emit({ streamName: stream, groupId: group, id: item, event: { type: old ? 'update' : 'create', data: clone(stored) } }, timestamp, options, reservation, change);
        return { old_value: old?.value ?? null, new_value: clone(stored), version: reservation.version, envelope };
      }),
    );
  }

  async update(stream: string, group: string, item: string, ops: readonly unknown[], options: ItemWriteOptions = {}): Promise<AdapterUpdateOutcome> {
    return this.events.stamp(stream, group, (timestamp) =>
      this.once(stream, group, options.idempotency, () => {
        const old = this.checked(stream, group, item, options.condition);
        const { value, errors } = applyUpdateOps(old?.value ?? null, old !== undefined, ops);
        const reservation = this.store(stream, group, item, value, options.ttlMs);
        const change = updateChange(old?.version, ops, errors);
        const envelope = this.emit({ streamName: stream, groupId: group, id: item, event: { type: old ? 'update' : 'create', data: clone(value) } }, timestamp, options, reservation, change);
        return { old_value: clone(old?.value ?? null), new_value: clone(value), errors, version: reservation.version, envelope };
      }),
    );
  }

  async delete(stream: string, group: string, item: string, options: ItemWriteOptions = {}): Promise<AdapterDeleteOutcome> {
    const nothing = (): AdapterDeleteOutcome => ({ old_value: null, version: null, envelope: null });
    // A group holding items always has state, so a group without state has nothing to delete (and gets none).
    if (!this.events.has(stream, group)) {
      return this.once(stream, group, options.idempotency, () => {
        this.checked(stream, group, item, options.condition);
        return nothing();
      });
    }
    return this.events.stamp(stream, group, (timestamp) =>
      this.once(stream, group, options.idempotency, () => {
        const old = this.checked(stream, group, item, options.condition);
        if (!old) return nothing();
        const envelope = this.remove(stream, group, item, old, timestamp, options);
        return { old_value: old.value, version: formatPosition(envelope.epoch!, envelope.seq), envelope };
      }),
    );
  }

  onExpire(listener: ExpiryListener): void {
    this.expiryListener = listener;
  }

  /** Deletes the due items among the `batch` earliest entries (those of rewritten items are skipped, but counted). */
  async sweepExpired(): Promise<number> {
    const now = Date.now();
    const due: Promise<boolean>[] = [];
    for (let n = 0; n < this.expiry.batch; n++) {
      const entry = this.expiries.popDue(now);
      if (!entry) break;
      const { stream, group, item, at } = entry;
      if (this.streams.get(stream)?.get(group)?.get(item)?.expiresAt !== at) continue;
      // Checked again in the delete's own step: a write queued behind the group's clock may have come first.
      due.push(
        Promise.resolve(this.events.stamp(stream, group, (timestamp) => {
          const found = this.streams.get(stream)?.get(group)?.get(item);
          if (found?.expiresAt !== at) return false;
          this.expiryListener(this.remove(stream, group, item, found, timestamp, {}));
          return true;
        })),
      );
    }
    return (await Promise.all(due)).filter(Boolean).length;
  }

  async list(stream: string, group: string): Promise<unknown[]> {
    return this.values(stream, group);
  }

  async listGroups(stream: string): Promise<string[]> {
    return [...(this.streams.get(stream)?.keys() ?? [])];
  }

  async listAll(): Promise<StreamSummary[]> {
    return [...this.streams.entries()]
      .map(([id, groups]) => ({ id, groups: [...groups.keys()].sort(compare) }))
      .sort((a, b) => compare(a.id, b.id));
  }

  async publish(message: StreamMessage, idempotency?: IdempotentWrite): Promise<StreamEnvelope | null> {
    const { streamName, groupId } = message;
    return this.events.stamp(streamName, groupId, (timestamp) => {
      const sent = this.once(streamName, groupId, idempotency, () => ({ envelope: this.emit(message, timestamp, { idempotency }) }));
      return sent.envelope;
    });
  }

  async snapshot(stream: string, group: string, item: string | null, versions = false): Promise<StreamSnapshot> {
    return this.events.stamp(stream, group, (timestamp) => {
      const position = { ...this.events.position(stream, group), timestamp };
      const data = item === null ? this.values(stream, group) : clone(this.find(stream, group, item)?.value ?? null);
      return { data, ...position, ...(versions ? this.versions(stream, group, { item }) : {}) };
    }, true);
  }

  async position(stream: string, group: string): Promise<StreamPosition> {
    if (!this.events.has(stream, group)) return this.events.idlePosition();
    return this.events.stamp(stream, group, (timestamp) => ({ ...this.events.position(stream, group), timestamp }), true);
  }

  override async history(stream: string, group: string, epoch: string, seq: number, versions?: VersionsRead): Promise<StreamReplay | null> {
    if (!this.events.has(stream, group)) return null;
    return this.events.stamp(stream, group, (timestamp) => {
      const envelopes = this.events.after(stream, group, epoch, seq, timestamp);
      return envelopes && { envelopes, position: { ...this.events.position(stream, group), timestamp }, ...(versions ? this.versions(stream, group, versions) : {}) };
    }, true);
  }

  attach(sink: StreamSink): void {
    this.events.attach(sink);
  }

  async watch(stream: string, group: string): Promise<Unwatch> {
    return this.events.watch(stream, group);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    await this.stopSweeps();
    this.expiries.clear();
    this.events.clear();
  }

  private values(stream: string, group: string): unknown[] {
    return this.live(stream, group).map(([, stored]) => clone(stored.value));
  }

  /** What a delta subscription's answer carries: the group's item ids and versions, or the item's version. */
  private versions(stream: string, group: string, { item }: VersionsRead): Pick<StreamSnapshot, 'items' | 'version'> {
    if (item !== null) return { version: this.find(stream, group, item)?.version ?? null };
    return { items: this.live(stream, group).map(([id, stored]) => ({ id, version: stored.version })) };
  }

  /** The group's items that have not expired, with their ids, in insertion order. */
  private live(stream: string, group: string): [string, StoredItem][] {
    const now = Date.now();
    return [...(this.streams.get(stream)?.get(group)?.entries() ?? [])].filter(([, stored]) => !expired(stored.expiresAt, now));
  }

  /** The item, unless missing or expired (an expired item reads as missing before the sweep deletes it). */
  private find(stream: string, group: string, item: string): StoredItem | undefined {
    const found = this.streams.get(stream)?.get(group)?.get(item);
    return found && !expired(found.expiresAt) ? found : undefined;
  }

  /** Removes an item and emits its `delete`; emptied groups disappear from listings, as they do on Redis. */
  private remove(stream: string, group: string, item: string, old: StoredItem, timestamp: number, options: ItemWriteOptions): StreamEnvelope {
    const groups = this.streams.get(stream)!;
    const state = groups.get(group)!;
    state.delete(item);
    if (state.size === 0) groups.delete(group);
    if (groups.size === 0) this.streams.delete(stream);
    return this.emit({ streamName: stream, groupId: group, id: item, event: { type: 'delete', data: clone(old.value) } }, timestamp, options);
  }

  /**
   * Runs a write once per idempotency key: the recorded result when the key has one (nothing written),
   * else the write, whose result is then recorded. All in the caller's synchronous block, so a duplicate
   * running concurrently finds the record; a write that throws (a refused condition) records nothing.
   */
  private once<T extends { envelope: StreamEnvelope | null }>(stream: string, group: string, write: IdempotentWrite | undefined, run: () => T): T {
    const ran = this.ledger.run(stream, group, write, run, recordedResult);
    return 'replay' in ran ? replayed<T>(ran.replay) : ran.done;
  }

  private emit(message: StreamMessage, timestamp: number, options: ItemWriteOptions, reservation?: Reservation, change?: ItemChange): StreamEnvelope {
    return this.events.emit(message, timestamp, reservation, options.idempotency?.key, change);
  }

  /** The item as a write finds it; throws the conflict when the write's condition does not hold. */
  private checked(stream: string, group: string, item: string, condition: WriteCondition | undefined): StoredItem | undefined {
    const found = this.find(stream, group, item);
    const conflict = conditionConflict(condition, found?.version ?? null);
    if (conflict) throw new StreamsConflictError(conflict.code, conflict.version);
    return found;
  }

  /**
   * Stores the item's value with its version (the position reserved for the event the write emits next)
   * and its expiry, scheduled when it has one.
   */
  private store(stream: string, group: string, item: string, value: unknown, ttlMs: number | undefined): Reservation {
    const reservation = this.events.reserve(stream, group);
    const at = expiresAt(ttlMs);
    this.group(stream, group).set(item, { value, version: reservation.version, expiresAt: at });
    if (at !== undefined) this.expiries.push({ at, stream, group, item });
    return reservation;
  }

  /** The group's items, created on first write. */
  private group(stream: string, group: string): GroupItems {
    let groups = this.streams.get(stream);
    if (!groups) this.streams.set(stream, (groups = new Map()));
    let state = groups.get(group);
    if (!state) groups.set(group, (state = new Map()));
    return state;
  }
}

/** Stored values are copies, so callers mutating what they passed in or got back cannot change the store. */
function clone<T>(value: T): T {
  return value === null || typeof value !== 'object' ? value : structuredClone(value);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
