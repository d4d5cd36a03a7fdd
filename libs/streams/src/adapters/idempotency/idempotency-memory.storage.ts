import { groupKey } from '../group.key';
import type { LedgerEntry, LedgerStorage } from './idempotency.ledger';

/** Ledger entries in Maps: insertion order is recording order, per group and across groups. */
export class MemoryLedgerStorage implements LedgerStorage {
  private readonly all = new Set<LedgerEntry>();
  private readonly groups = new Map<string, Map<string, LedgerEntry>>();
  private next = 0;

  find(stream: string, group: string, key: string): LedgerEntry | undefined {
    return this.groups.get(groupKey(stream, group))?.get(key);
  }

  add(entry: Omit<LedgerEntry, 'no'>): void {
    const added = { ...entry, no: this.next++ };
    const name = groupKey(entry.stream, entry.group);
    let entries = this.groups.get(name);
    if (!entries) this.groups.set(name, (entries = new Map()));
    entries.set(entry.key, added);
    this.all.add(added);
  }

  remove(entry: LedgerEntry): void {
    const name = groupKey(entry.stream, entry.group);
    const entries = this.groups.get(name);
    if (entries?.get(entry.key) !== entry) return;
    entries.delete(entry.key);
    if (entries.size === 0) this.groups.delete(name);
    this.all.delete(entry);
  }

  oldest(group?: { stream: string; group: string }): LedgerEntry | undefined {
    const entries = group ? this.groups.get(groupKey(group.stream, group.group))?.values() : this.all.values();
    return entries?.next().value;
  }

  count(stream: string, group: string): number {
    return this.groups.get(groupKey(stream, group))?.size ?? 0;
  }

  total(): number {
    return this.all.size;
  }
}
