import type { StreamSummary } from '../../interfaces/stream-payloads.interface';
import { applyUpdateOps } from '../../update-ops/update-ops.engine';
import { DEFAULT_HISTORY } from '../history/history.defaults';
import type { HistoryLimits } from '../history/group-log';
import { LocalEventLog } from '../history/local-event-log';
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

/** A group's items, insertion-ordered: overwriting an item keeps its place, as iii's kv store does. */
type GroupItems = Map<string, unknown>;

/**
 * The default adapter: everything in this process, nothing survives a restart. Every write does its work
 * in one synchronous block (at once, or, while its group's clock is at its lead cap, later in call order),
 * which is what makes each write atomic and ordered.
 */
export class MemoryStreamAdapter extends StreamAdapter {
  private readonly streams = new Map<string, Map<string, GroupItems>>();
  private readonly events: LocalEventLog;

  constructor(history: HistoryLimits = DEFAULT_HISTORY) {
    super();
    this.events = new LocalEventLog({ history, hasItems: (stream, group) => this.streams.get(stream)?.has(group) ?? false });
  }

  /** The groups holding position and history state in this process, sorted (freed once idle; see LocalEventLog). */
  heldGroups(): string[] {
    return this.events.held();
  }

  async get(stream: string, group: string, item: string): Promise<unknown> {
    return clone(this.streams.get(stream)?.get(group)?.get(item) ?? null);
  }

  async set(stream: string, group: string, item: string, data: unknown): Promise<AdapterSetOutcome> {
    const stored = clone(data);
    return this.events.stamp(stream, group, (timestamp) => {
      const state = this.group(stream, group);
      const existed = state.has(item);
      const old = existed ? state.get(item) : null;
      state.set(item, stored);
      const envelope = this.events.emit({ streamName: stream, groupId: group, id: item, event: { type: existed ? 'update' : 'create', data: clone(stored) } }, timestamp);
      return { old_value: old, new_value: clone(stored), envelope };
    });
  }

  async update(stream: string, group: string, item: string, ops: readonly unknown[]): Promise<AdapterUpdateOutcome> {
    return this.events.stamp(stream, group, (timestamp) => {
      const state = this.group(stream, group);
      const existed = state.has(item);
      const old = existed ? state.get(item) : null;
      const { value, errors } = applyUpdateOps(old, existed, ops);
      state.set(item, value);
      const envelope = this.events.emit({ streamName: stream, groupId: group, id: item, event: { type: existed ? 'update' : 'create', data: clone(value) } }, timestamp);
      return { old_value: clone(old), new_value: clone(value), errors, envelope };
    });
  }

  async delete(stream: string, group: string, item: string): Promise<AdapterDeleteOutcome> {
    // A group holding items always has state, so a group without state has nothing to delete (and gets none).
    if (!this.events.has(stream, group)) return { old_value: null, envelope: null };
    return this.events.stamp(stream, group, (timestamp) => {
      const groups = this.streams.get(stream);
      const state = groups?.get(group);
      if (!groups || !state || !state.has(item)) return { old_value: null, envelope: null };
      const old = state.get(item);
      state.delete(item);
      // Emptied groups disappear from listings, as they do on Redis.
      if (state.size === 0) groups.delete(group);
      if (groups.size === 0) this.streams.delete(stream);
      const envelope = this.events.emit({ streamName: stream, groupId: group, id: item, event: { type: 'delete', data: clone(old) } }, timestamp);
      return { old_value: old, envelope };
    });
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
    return this.events.stamp(message.streamName, message.groupId, (timestamp) => this.events.emit(message, timestamp));
  }

  async snapshot(stream: string, group: string, item: string | null): Promise<StreamSnapshot> {
    return this.events.stamp(stream, group, (timestamp) => {
      const data = item === null ? this.values(stream, group) : clone(this.streams.get(stream)?.get(group)?.get(item) ?? null);
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
}

/** Stored values are copies, so callers mutating what they passed in or got back cannot change the store. */
function clone<T>(value: T): T {
  return value === null || typeof value !== 'object' ? value : structuredClone(value);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
