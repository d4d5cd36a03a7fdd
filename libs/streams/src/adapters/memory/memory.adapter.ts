import type { StreamSummary } from '../../interfaces/stream-payloads.interface';
import { StreamsConflictError } from '../../errors/streams.errors';
import { formatPosition } from '../../protocol/stream-position';
import { applyUpdateOps } from '../../update-ops/update-ops.engine';
import { conditionConflict, type ItemWriteOptions, type VersionedValue, type WriteCondition } from '../item-write.condition';
import { DEFAULT_HISTORY } from '../history/history.defaults';
import type { HistoryLimits } from '../history/group-log';
import { LocalEventLog, type Reservation } from '../history/local-event-log';
import { IdempotencyLedger } from '../idempotency/idempotency.ledger';
import { MemoryLedgerStorage } from '../idempotency/idempotency-memory.storage';
import { DEFAULT_IDEMPOTENCY, type IdempotencyLimits, type IdempotentWrite, recordedResult, replayed } from '../idempotency/idempotent-write';
import {
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
} from '../stream-adapter.interface';

/** A stored item: its value and the version of its last write. */
interface StoredItem {
  value: unknown;
  version: string;
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

  constructor(history: HistoryLimits = DEFAULT_HISTORY, idempotency: IdempotencyLimits = DEFAULT_IDEMPOTENCY) {
    super();
    this.events = new LocalEventLog({ history, hasItems: (stream, group) => this.streams.get(stream)?.has(group) ?? false });
    this.ledger = new IdempotencyLedger(new MemoryLedgerStorage(), idempotency);
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
        const reservation = this.store(stream, group, item, stored);
        const envelope = this.emit({ streamName: stream, groupId: group, id: item, event: { type: old ? 'update' : 'create', data: clone(stored) } }, timestamp, options, reservation);
        return { old_value: old?.value ?? null, new_value: clone(stored), version: reservation.version, envelope };
      }),
    );
  }

  async update(stream: string, group: string, item: string, ops: readonly unknown[], options: ItemWriteOptions = {}): Promise<AdapterUpdateOutcome> {
    return this.events.stamp(stream, group, (timestamp) =>
      this.once(stream, group, options.idempotency, () => {
        const old = this.checked(stream, group, item, options.condition);
        const { value, errors } = applyUpdateOps(old?.value ?? null, old !== undefined, ops);
        const reservation = this.store(stream, group, item, value);
        const envelope = this.emit({ streamName: stream, groupId: group, id: item, event: { type: old ? 'update' : 'create', data: clone(value) } }, timestamp, options, reservation);
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
        const groups = this.streams.get(stream);
        const state = groups?.get(group);
        if (!old || !groups || !state) return nothing();
        state.delete(item);
        // Emptied groups disappear from listings, as they do on Redis.
        if (state.size === 0) groups.delete(group);
        if (groups.size === 0) this.streams.delete(stream);
        const envelope = this.emit({ streamName: stream, groupId: group, id: item, event: { type: 'delete', data: clone(old.value) } }, timestamp, options);
        return { old_value: old.value, version: formatPosition(envelope.epoch!, envelope.seq), envelope };
      }),
    );
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

  async snapshot(stream: string, group: string, item: string | null): Promise<StreamSnapshot> {
    return this.events.stamp(stream, group, (timestamp) => {
      const data = item === null ? this.values(stream, group) : clone(this.find(stream, group, item)?.value ?? null);
      return { data, ...this.events.position(stream, group), timestamp };
    }, true);
  }

  async position(stream: string, group: string): Promise<StreamPosition> {
    if (!this.events.has(stream, group)) return this.events.idlePosition();
    return this.events.stamp(stream, group, (timestamp) => ({ ...this.events.position(stream, group), timestamp }), true);
  }

  override async history(stream: string, group: string, epoch: string, seq: number): Promise<StreamReplay | null> {
    if (!this.events.has(stream, group)) return null;
    return this.events.stamp(stream, group, (timestamp) => {
      const envelopes = this.events.after(stream, group, epoch, seq, timestamp);
      return envelopes && { envelopes, position: { ...this.events.position(stream, group), timestamp } };
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
    this.events.clear();
  }

  private values(stream: string, group: string): unknown[] {
    return Array.from(this.streams.get(stream)?.get(group)?.values() ?? [], (stored) => clone(stored.value));
  }

  private find(stream: string, group: string, item: string): StoredItem | undefined {
    return this.streams.get(stream)?.get(group)?.get(item);
  }

  /**
   * Runs a write once per idempotency key: the recorded result when the key has one (nothing written),
   * else the write, whose result is then recorded. All in the caller's synchronous block, so a duplicate
   * running concurrently finds the record; a write that throws (a refused condition) records nothing.
   */
  private once<T extends { envelope: StreamEnvelope | null }>(stream: string, group: string, write: IdempotentWrite | undefined, run: () => T): T {
    const recorded = this.ledger.replay(stream, group, write);
    if (recorded !== undefined) return replayed<T>(recorded);
    const outcome = run();
    this.ledger.record(stream, group, write, () => recordedResult(outcome));
    return outcome;
  }

  private emit(message: StreamMessage, timestamp: number, options: ItemWriteOptions, reservation?: Reservation): StreamEnvelope {
    return this.events.emit(message, timestamp, reservation, options.idempotency?.key);
  }

  /** The item as a write finds it; throws the conflict when the write's condition does not hold. */
  private checked(stream: string, group: string, item: string, condition: WriteCondition | undefined): StoredItem | undefined {
    const found = this.find(stream, group, item);
    const conflict = conditionConflict(condition, found?.version ?? null);
    if (conflict) throw new StreamsConflictError(conflict.code, conflict.version);
    return found;
  }

  /** Stores the item's value with its version: the position reserved for the event the write emits next. */
  private store(stream: string, group: string, item: string, value: unknown): Reservation {
    const reservation = this.events.reserve(stream, group);
    this.group(stream, group).set(item, { value, version: reservation.version });
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
