import type { StreamSummary } from '../../interfaces/stream-payloads.interface';
import { applyUpdateOps } from '../../update-ops/update-ops.engine';
import { DEFAULT_HISTORY } from '../history/history.defaults';
import type { HistoryLimits } from '../history/group-log';
import { LocalEventLog } from '../history/local-event-log';
import { MonotonicClock } from '../local-fanout';
import {
  type AdapterDeleteOutcome,
  type AdapterSetOutcome,
  type AdapterUpdateOutcome,
  StreamAdapter,
  type StreamEnvelope,
  type StreamListener,
  type StreamMessage,
  type StreamPosition,
  type StreamReplay,
  type StreamSnapshot,
  type Unsubscribe,
} from '../stream-adapter.interface';

/** A group's items, insertion-ordered: overwriting an item keeps its place, as iii's kv store does. */
type GroupItems = Map<string, unknown>;

/**
 * The default adapter: everything in this process, nothing survives a restart. Every method does its work
 * synchronously before its promise settles, which is what makes each write atomic and ordered.
 */
export class MemoryStreamAdapter extends StreamAdapter {
  private readonly streams = new Map<string, Map<string, GroupItems>>();
  private readonly events: LocalEventLog;
  private readonly clock = new MonotonicClock();

  constructor(history: HistoryLimits = DEFAULT_HISTORY) {
    super();
    this.events = new LocalEventLog(history);
  }

  async get(stream: string, group: string, item: string): Promise<unknown> {
    return clone(this.streams.get(stream)?.get(group)?.get(item) ?? null);
  }

  async set(stream: string, group: string, item: string, data: unknown): Promise<AdapterSetOutcome> {
    const state = this.group(stream, group);
    const existed = state.has(item);
    const old = existed ? state.get(item) : null;
    const stored = clone(data);
    state.set(item, stored);
    const envelope = this.emit({ streamName: stream, groupId: group, id: item, event: { type: existed ? 'update' : 'create', data: clone(stored) } });
    return { old_value: old, new_value: clone(stored), envelope };
  }

  async update(stream: string, group: string, item: string, ops: readonly unknown[]): Promise<AdapterUpdateOutcome> {
    const state = this.group(stream, group);
    const existed = state.has(item);
    const old = existed ? state.get(item) : null;
    const { value, errors } = applyUpdateOps(old, existed, ops);
    state.set(item, value);
    const envelope = this.emit({ streamName: stream, groupId: group, id: item, event: { type: existed ? 'update' : 'create', data: clone(value) } });
    return { old_value: clone(old), new_value: clone(value), errors, envelope };
  }

  async delete(stream: string, group: string, item: string): Promise<AdapterDeleteOutcome> {
    const groups = this.streams.get(stream);
    const state = groups?.get(group);
    if (!groups || !state || !state.has(item)) return { old_value: null, envelope: null };
    const old = state.get(item);
    state.delete(item);
    // Emptied groups disappear from listings, as they do on Redis.
    if (state.size === 0) groups.delete(group);
    if (groups.size === 0) this.streams.delete(stream);
    const envelope = this.emit({ streamName: stream, groupId: group, id: item, event: { type: 'delete', data: clone(old) } });
    return { old_value: old, envelope };
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

  async publish(message: StreamMessage): Promise<StreamEnvelope> {
    return this.emit(message);
  }

  async snapshot(stream: string, group: string, item: string | null): Promise<StreamSnapshot> {
    const data = item === null ? this.values(stream, group) : clone(this.streams.get(stream)?.get(group)?.get(item) ?? null);
    return { data, ...this.positionNow(stream, group) };
  }

  async position(stream: string, group: string): Promise<StreamPosition> {
    return this.positionNow(stream, group);
  }

  override async history(stream: string, group: string, epoch: string, seq: number): Promise<StreamReplay | null> {
    const timestamp = this.clock.next();
    const envelopes = this.events.after(stream, group, epoch, seq, timestamp);
    return envelopes && { envelopes, position: { ...this.events.position(stream, group), timestamp } };
  }

  async subscribe(stream: string, group: string, listener: StreamListener): Promise<Unsubscribe> {
    return this.events.subscribe(stream, group, listener);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.events.clear();
  }

  private positionNow(stream: string, group: string): StreamPosition {
    return { ...this.events.position(stream, group), timestamp: this.clock.next() };
  }

  private values(stream: string, group: string): unknown[] {
    return [...(this.streams.get(stream)?.get(group)?.values() ?? [])].map(clone);
  }

  /** The group's items, created on first write. */
  private group(stream: string, group: string): GroupItems {
    let groups = this.streams.get(stream);
    if (!groups) this.streams.set(stream, (groups = new Map()));
    let state = groups.get(group);
    if (!state) groups.set(group, (state = new Map()));
    return state;
  }

  private emit(message: StreamMessage): StreamEnvelope {
    return this.events.emit(message, this.clock.next());
  }
}

/** Stored values are copies, so callers mutating what they passed in or got back cannot change the store. */
function clone<T>(value: T): T {
  return value === null || typeof value !== 'object' ? value : structuredClone(value);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
