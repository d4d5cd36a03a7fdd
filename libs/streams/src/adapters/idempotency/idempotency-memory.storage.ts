import { groupKey } from '../group.key';
import type { LedgerCounts, LedgerEntry, LedgerStorage } from './idempotency.ledger';

/**
 * A place in recording order holding the object the ledger built (its call kept as given: a KeyedCall
 * computes its fingerprint only if a retry comes); null once removed, so the entry is freed at once.
 */
interface Stored {
  entry: LedgerEntry | null;
}

/** A group's entries by key, in recording order. */
type GroupEntries = Map<string, Stored>;

/** Removed entries the recording-order queue may hold at its head before it is compacted. */
const COMPACT_AT = 1024;

/**
 * Ledger entries in Maps (per group, insertion order = recording order) and one queue in recording order.
 * A queue rather than a Set: the oldest entry of a Set that keeps losing its first ones is found by
 * skipping every deleted slot before it, which grows with the number of records; the queue skips each
 * removed entry once, at its head.
 */
export class MemoryLedgerStorage implements LedgerStorage {
  private readonly groups = new Map<string, GroupEntries>();
  private readonly order: Stored[] = [];
  private head = 0;
  private total = 0;
  /** The group looked up last: one write asks for its group up to three times in a row. */
  private last: { stream: string; group: string; entries: GroupEntries } | null = null;

  find(stream: string, group: string, key: string): LedgerEntry | undefined {
    return this.entries(stream, group)?.get(key)?.entry ?? undefined;
  }

  add(entry: LedgerEntry): void {
    let entries = this.entries(entry.stream, entry.group);
    if (!entries) {
      this.groups.set(groupKey(entry.stream, entry.group), (entries = new Map()));
      this.last = { stream: entry.stream, group: entry.group, entries };
    }
    const stored: Stored = { entry };
    entries.set(entry.key, stored);
    this.order.push(stored);
    this.total++;
  }

  remove(entry: LedgerEntry): void {
    const entries = this.entries(entry.stream, entry.group);
    const stored = entries?.get(entry.key);
    if (!entries || !stored || stored.entry !== entry) return;
    stored.entry = null;
    entries.delete(entry.key);
    this.total--;
    if (entries.size > 0) return;
    this.groups.delete(groupKey(entry.stream, entry.group));
    if (this.last?.entries === entries) this.last = null;
  }

  oldest(group?: { stream: string; group: string }): LedgerEntry | undefined {
    if (group) return this.entries(group.stream, group.group)?.values().next().value?.entry ?? undefined;
    const { order } = this;
    while (this.head < order.length && order[this.head].entry === null) this.head++;
    if (this.head >= COMPACT_AT && this.head * 2 >= order.length) {
      order.splice(0, this.head);
      this.head = 0;
    }
    return order[this.head]?.entry ?? undefined;
  }

  counts(stream: string, group: string): LedgerCounts {
    return { group: this.entries(stream, group)?.size ?? 0, total: this.total };
  }

  private entries(stream: string, group: string): GroupEntries | undefined {
    const last = this.last;
    if (last && last.stream === stream && last.group === group) return last.entries;
    const entries = this.groups.get(groupKey(stream, group));
    if (entries) this.last = { stream, group, entries };
    return entries;
  }
}
