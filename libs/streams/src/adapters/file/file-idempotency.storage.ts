import type { Key, RootDatabase } from 'lmdb';
import { IdempotencyRecordIndex } from '../idempotency/idempotency-record.index';
import type { LedgerCounts, LedgerEntry, LedgerRecordRef, LedgerStorage } from '../idempotency/idempotency.ledger';
import { storeKeys } from './file-store.keys';

/**
 * A record as stored: `['i', stream, group, key]` → `<expiry>|<no>|<fingerprint>|<result JSON>`. Text, not a
 * JSON array: the result (itself JSON, holding the old and new values) is written and read as it is, not
 * escaped into a string and back. The fingerprint is base64url, with no `|`.
 */
function recordText(fingerprint: string, result: string, expiresAt: number, no: number): string {
  return `${expiresAt}|${no}|${fingerprint}|${result}`;
}

/** A record's place in recording order: `['io', no]` → this, as JSON (the expiry too, so a purge needs no other read). */
type StoredOrder = [stream: string, group: string, key: string, expiresAt: number];

/** A record's location with its recording number (its order key). */
export interface FileRecordRef extends LedgerRecordRef {
  no: number;
}

const keys = storeKeys.idempotency;

/**
 * Idempotency records in the file store (layout in file-store.keys.ts), read and written synchronously
 * inside the write's own LMDB transaction, so a record commits (and survives a restart) with its write: a
 * record and its order entry, two puts per keyed write. What the bounds and the purge read (counts, the
 * oldest records) comes from an index in memory derived from the order entries: built on open (one range
 * scan over at most `maxKeys` entries), kept by every add and remove, and dropped when a commit fails (then
 * built again on next use), so a rolled-back record never stays in it. A key's record is always read from
 * the store.
 */
export class FileLedgerStorage implements LedgerStorage<FileRecordRef> {
  private built: IdempotencyRecordIndex<FileRecordRef> | null;
  /** The number the next record takes (its order key); from the index's build on. */
  private next = 0;

  /** Builds the index at once: the store is being opened, no write waits for it. */
  constructor(private readonly db: RootDatabase<string, Key>) {
    this.built = this.build();
  }

  find(stream: string, group: string, key: string): (LedgerEntry & FileRecordRef) | undefined {
    const text = this.db.get(keys.record(stream, group, key));
    if (text === undefined) return undefined;
    const [expiresAt, no, fingerprint] = text.split('|', 3);
    const result = text.slice(expiresAt.length + no.length + fingerprint.length + 3);
    return { stream, group, key, call: { fingerprint }, result, expiresAt: Number(expiresAt), no: Number(no) };
  }

  add(entry: LedgerEntry): void {
    const { stream, group, key, expiresAt } = entry;
    const index = this.index();
    const no = this.next++;
    this.db.putSync(keys.record(stream, group, key), recordText(entry.call.fingerprint, entry.result, expiresAt, no));
    this.db.putSync(keys.order(no), JSON.stringify([stream, group, key, expiresAt] satisfies StoredOrder));
    index.add({ stream, group, key, expiresAt, no });
  }

  remove(record: FileRecordRef): void {
    const { stream, group, key, no } = record;
    this.db.removeSync(keys.record(stream, group, key));
    this.db.removeSync(keys.order(no));
    this.index().remove(record, (held) => held.no === no);
  }

  oldest(group?: { stream: string; group: string }): FileRecordRef | undefined {
    return this.index().oldest(group);
  }

  counts(stream: string, group: string): LedgerCounts {
    return this.index().counts(stream, group);
  }

  /** A commit failed: what the index holds may have been rolled back. */
  forget(): void {
    this.built = null;
  }

  private index(): IdempotencyRecordIndex<FileRecordRef> {
    return (this.built ??= this.build());
  }

  private build(): IdempotencyRecordIndex<FileRecordRef> {
    const index = new IdempotencyRecordIndex<FileRecordRef>();
    this.next = 0;
    for (const { key, value } of this.db.getRange(keys.all)) {
      const [stream, group, item, expiresAt] = JSON.parse(value) as StoredOrder;
      const no = (key as [string, number])[1];
      index.add({ stream, group, key: item, expiresAt, no });
      this.next = no + 1;
    }
    return index;
  }
}
