import type { Key, RootDatabase } from 'lmdb';
import type { LedgerCounts, LedgerEntry, LedgerRecordRef, LedgerStorage } from '../idempotency/idempotency.ledger';
import { type KeyRange, storeKeys } from './file-store.keys';

/** A record as stored: `['i', stream, group, key]` → this, as JSON. */
type StoredRecord = [fingerprint: string, result: string, expiresAt: number, no: number];

/** A record's place in recording order: `['io', no]` → this, as JSON (the expiry too, so a purge needs no other read). */
type StoredOrder = [stream: string, group: string, key: string, expiresAt: number];

interface LedgerMeta {
  total: number;
  next: number;
}

/** A record's location with its recording number (its order keys). */
export interface FileRecordRef extends LedgerRecordRef {
  no: number;
}

/** The counts, with the recording number the next record takes. */
export interface FileLedgerCounts extends LedgerCounts {
  next: number;
}

const keys = storeKeys.idempotency;

/**
 * Idempotency records in the file store (layout in file-store.keys.ts), read and written synchronously
 * inside the write's own LMDB transaction, so a record commits (and survives a restart) with its write.
 * A keyed write that evicts nothing reads the key's record, the oldest order entry, the group's count and
 * the meta, and writes five records.
 */
export class FileLedgerStorage implements LedgerStorage<FileRecordRef, FileLedgerCounts> {
  constructor(private readonly db: RootDatabase<string, Key>) {}

  find(stream: string, group: string, key: string): (LedgerEntry & FileRecordRef) | undefined {
    const text = this.db.get(keys.record(stream, group, key));
    if (text === undefined) return undefined;
    const [fingerprint, result, expiresAt, no] = JSON.parse(text) as StoredRecord;
    return { stream, group, key, call: { fingerprint }, result, expiresAt, no };
  }

  add(entry: LedgerEntry, counts: FileLedgerCounts): void {
    const { stream, group, key, expiresAt } = entry;
    const no = counts.next;
    this.db.putSync(keys.record(stream, group, key), JSON.stringify([entry.call.fingerprint, entry.result, expiresAt, no] satisfies StoredRecord));
    this.db.putSync(keys.order(no), JSON.stringify([stream, group, key, expiresAt] satisfies StoredOrder));
    this.db.putSync(keys.groupOrder(stream, group, no), key);
    this.db.putSync(keys.count(stream, group), String(counts.group + 1));
    this.db.putSync(keys.meta, JSON.stringify({ total: counts.total + 1, next: no + 1 } satisfies LedgerMeta));
  }

  remove(record: FileRecordRef): void {
    const { stream, group, key, no } = record;
    this.db.removeSync(keys.record(stream, group, key));
    this.db.removeSync(keys.order(no));
    this.db.removeSync(keys.groupOrder(stream, group, no));
    const count = this.count(stream, group) - 1;
    if (count > 0) this.db.putSync(keys.count(stream, group), String(count));
    else this.db.removeSync(keys.count(stream, group));
    const meta = this.meta();
    this.db.putSync(keys.meta, JSON.stringify({ total: meta.total - 1, next: meta.next } satisfies LedgerMeta));
  }

  oldest(group?: { stream: string; group: string }): FileRecordRef | undefined {
    if (group) {
      const key = this.first(keys.ofGroup(group.stream, group.group))?.value;
      return key === undefined ? undefined : this.find(group.stream, group.group, key);
    }
    const first = this.first(keys.all);
    if (first === undefined) return undefined;
    const [stream, name, key, expiresAt] = JSON.parse(first.value) as StoredOrder;
    return { stream, group: name, key, expiresAt, no: (first.key as [string, number])[1] };
  }

  counts(stream: string, group: string): FileLedgerCounts {
    const { total, next } = this.meta();
    return { group: this.count(stream, group), total, next };
  }

  private count(stream: string, group: string): number {
    return Number(this.db.get(keys.count(stream, group)) ?? 0);
  }

  private meta(): LedgerMeta {
    const text = this.db.get(keys.meta);
    return text === undefined ? { total: 0, next: 0 } : (JSON.parse(text) as LedgerMeta);
  }

  /** The first entry in `range`. */
  private first(range: KeyRange): { key: Key; value: string } | undefined {
    for (const entry of this.db.getRange({ ...range, limit: 1 })) return entry;
    return undefined;
  }
}
