import { StreamsIdempotencyError } from '../../errors/streams.errors';
import type { IdempotencyLimits, IdempotentWrite } from './idempotent-write';

/** Where a record is and when it expires: all that expiry and eviction need of it. */
export interface LedgerRecordRef {
  stream: string;
  group: string;
  key: string;
  expiresAt: number;
}

/** One recorded write of the in-process adapters. */
export interface LedgerEntry extends LedgerRecordRef {
  /** The call recorded. Its fingerprint is read only to compare a retry (the memory ledger keeps the KeyedCall, computed then). */
  call: Pick<IdempotentWrite, 'fingerprint'>;
  /** The write's result as JSON text (see recordedResult). */
  result: string;
}

/** How many records the group and the whole ledger hold. */
export interface LedgerCounts {
  group: number;
  total: number;
}

/**
 * Where a ledger keeps its entries: Maps (memory) or LMDB records (file). Synchronous, so every call runs
 * inside the write's own atomic step (memory's synchronous block, the file store's transaction).
 */
export interface LedgerStorage<R extends LedgerRecordRef = LedgerRecordRef> {
  find(stream: string, group: string, key: string): (LedgerEntry & R) | undefined;
  /** Adds an entry whose key the group does not hold. */
  add(entry: LedgerEntry): void;
  remove(record: R): void;
  /** The oldest record of the group, or of the whole ledger when no group is given. */
  oldest(group?: { stream: string; group: string }): R | undefined;
  counts(stream: string, group: string): LedgerCounts;
}

/** A keyed write's outcome: the work it did, or the result recorded by the first call with its key. */
export type LedgerRun<T> = { done: T } | { replay: string };

/** Expired entries a record drops at most, oldest first: bounded work per write, and faster than they come. */
const EXPIRED_PER_RECORD = 8;

/**
 * The idempotency records of the memory and file adapters: a write's key is looked up before the write and
 * its result recorded in the same step. Bounded per group and in total, the oldest evicted first (a retry
 * after its record was evicted or expired applies again); expired records are dropped by later records.
 */
export class IdempotencyLedger<R extends LedgerRecordRef = LedgerRecordRef> {
  constructor(
    private readonly storage: LedgerStorage<R>,
    private readonly limits: IdempotencyLimits,
  ) {}

  /**
   * Runs a write once per key: `{ replay }` with the recorded result when the group holds a live record of
   * the write's key (nothing else runs), else `work`, whose result is then recorded under the key (unless
   * `result` answers null: a refused write records nothing; a `work` that throws neither). Without a key,
   * just `work`. Throws StreamsIdempotencyError, before any work, when the key was recorded for another call.
   */
  run<T>(stream: string, group: string, write: IdempotentWrite | undefined, work: () => T, result: (done: T) => string | null, now = Date.now()): LedgerRun<T> {
    if (!write) return { done: work() };
    const found = this.storage.find(stream, group, write.key);
    if (found && found.expiresAt > now) {
      if (found.call.fingerprint !== write.fingerprint) throw new StreamsIdempotencyError(write.key);
      return { replay: found.result };
    }
    const done = work();
    const text = result(done);
    if (text !== null) this.record({ stream, group, key: write.key, call: write, result: text, expiresAt: now + this.limits.ttlMs }, found, now);
    return { done };
  }

  /** Adds the entry, first dropping the key's expired record, expired records and what the bounds require. */
  private record(entry: LedgerEntry, stale: R | undefined, now: number): void {
    const { storage, limits } = this;
    const { stream, group } = entry;
    if (stale) storage.remove(stale);
    for (let i = 0; i < EXPIRED_PER_RECORD; i++) {
      const oldest = storage.oldest();
      if (!oldest || oldest.expiresAt > now) break;
      storage.remove(oldest);
    }
    const counts = storage.counts(stream, group);
    // One entry is added per record, so at most one has to go to stay within each bound.
    if (counts.group >= limits.maxKeysPerGroup) {
      storage.remove(storage.oldest({ stream, group })!);
      counts.group--;
      counts.total--;
    }
    if (counts.total >= limits.maxKeys) {
      const oldest = storage.oldest()!;
      storage.remove(oldest);
      counts.total--;
      if (oldest.stream === stream && oldest.group === group) counts.group--;
    }
    storage.add(entry);
  }
}
