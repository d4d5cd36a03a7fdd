import type { Key, RootDatabase } from 'lmdb';
import type { LedgerEntry, LedgerStorage } from '../idempotency/idempotency.ledger';
import { type KeyRange, storeKeys } from './file-store.keys';

/** A record as stored: `['i', stream, group, key]` → this, as JSON. */
type StoredRecord = [fingerprint: string, result: string, expiresAt: number, no: number];

interface LedgerMeta {
  total: number;
  next: number;
}

const keys = storeKeys.idempotency;

/**
 * Idempotency records in the file store (layout in file-store.keys.ts), read and written synchronously
 * inside the write's own LMDB transaction, so a record commits (and survives a restart) with its write.
 */
export class FileLedgerStorage implements LedgerStorage {
  constructor(private readonly db: RootDatabase<string, Key>) {}

  find(stream: string, group: string, key: string): LedgerEntry | undefined {
    const text = this.db.get(keys.record(stream, group, key));
    if (text === undefined) return undefined;
    const [fingerprint, result, expiresAt, no] = JSON.parse(text) as StoredRecord;
    return { stream, group, key, fingerprint, result, expiresAt, no };
  }

  add(entry: Omit<LedgerEntry, 'no'>): void {
    const { stream, group, key } = entry;
    const meta = this.meta();
    const no = meta.next;
    this.db.putSync(keys.record(stream, group, key), JSON.stringify([entry.fingerprint, entry.result, entry.expiresAt, no] satisfies StoredRecord));
    this.db.putSync(keys.order(no), JSON.stringify([stream, group, key]));
    this.db.putSync(keys.groupOrder(stream, group, no), key);
    this.db.putSync(keys.count(stream, group), String(this.count(stream, group) + 1));
    this.db.putSync(keys.meta, JSON.stringify({ total: meta.total + 1, next: no + 1 } satisfies LedgerMeta));
  }

  remove(entry: LedgerEntry): void {
    const { stream, group, key, no } = entry;
    this.db.removeSync(keys.record(stream, group, key));
    this.db.removeSync(keys.order(no));
    this.db.removeSync(keys.groupOrder(stream, group, no));
    const count = this.count(stream, group) - 1;
    if (count > 0) this.db.putSync(keys.count(stream, group), String(count));
    else this.db.removeSync(keys.count(stream, group));
    const meta = this.meta();
    this.db.putSync(keys.meta, JSON.stringify({ total: meta.total - 1, next: meta.next } satisfies LedgerMeta));
  }

  oldest(group?: { stream: string; group: string }): LedgerEntry | undefined {
    if (group) {
      const key = this.first(keys.ofGroup(group.stream, group.group));
      return key === undefined ? undefined : this.find(group.stream, group.group, key);
    }
    const names = this.first(keys.all);
    if (names === undefined) return undefined;
    const [stream, name, key] = JSON.parse(names) as [string, string, string];
    return this.find(stream, name, key);
  }

  count(stream: string, group: string): number {
    return Number(this.db.get(keys.count(stream, group)) ?? 0);
  }

  total(): number {
    return this.meta().total;
  }

  private meta(): LedgerMeta {
    const text = this.db.get(keys.meta);
    return text === undefined ? { total: 0, next: 0 } : (JSON.parse(text) as LedgerMeta);
  }

  /** The value of the first key in `range`. */
  private first(range: KeyRange): string | undefined {
    for (const { value } of this.db.getRange({ ...range, limit: 1 })) return value;
    return undefined;
  }
}
