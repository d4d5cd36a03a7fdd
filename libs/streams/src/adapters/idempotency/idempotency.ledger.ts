import { StreamsIdempotencyError } from '../../errors/streams.errors';
import type { IdempotencyLimits, IdempotentWrite } from './idempotent-write';

/** One recorded write of the in-process adapters. */
export interface LedgerEntry {
  stream: string;
  group: string;
  key: string;
  fingerprint: string;
  /** The write's result as JSON text (see recordedResult). */
  result: string;
  expiresAt: number;
  /** Recording order across the ledger, oldest first: what expiry and eviction follow. */
  no: number;
}

/**
 * Where a ledger keeps its entries: Maps (memory) or LMDB records (file). Synchronous, so every call runs
 * inside the write's own atomic step (memory's synchronous block, the file store's transaction).
 */
export interface LedgerStorage {
  find(stream: string, group: string, key: string): LedgerEntry | undefined;
  /** Adds an entry whose key the group does not hold. */
  add(entry: Omit<LedgerEntry, 'no'>): void;
  remove(entry: LedgerEntry): void;
  /** The oldest entry of the group, or of the whole ledger when no group is given. */
  oldest(group?: { stream: string; group: string }): LedgerEntry | undefined;
  count(stream: string, group: string): number;
  total(): number;
}

/** Expired entries a record drops at most, oldest first: bounded work per write, and faster than they come. */
const EXPIRED_PER_RECORD = 8;

/**
 * The idempotency records of the memory and file adapters: a write's key is looked up before the write and
 * its result recorded in the same step. Bounded per group and in total, the oldest evicted first (a retry
 * after its record was evicted or expired applies again); expired records are dropped by later records.
 */
export class IdempotencyLedger {
  constructor(
    private readonly storage: LedgerStorage,
    private readonly limits: IdempotencyLimits,
  ) {}

  /**
   * The result recorded under the write's key, or undefined when the write must run (no key, no live
   * record). Throws StreamsIdempotencyError when the key was recorded for a different call.
   */
  replay(stream: string, group: string, write: IdempotentWrite | undefined, now = Date.now()): string | undefined {
    if (!write) return undefined;
    const entry = this.storage.find(stream, group, write.key);
    if (!entry || entry.expiresAt <= now) return undefined;
    if (entry.fingerprint !== write.fingerprint) throw new StreamsIdempotencyError(write.key);
    return entry.result;
  }

  /** Records the write's result under its key (nothing without a key); `result` is only built when recorded. */
  record(stream: string, group: string, write: IdempotentWrite | undefined, result: () => string, now = Date.now()): void {
    if (!write) return;
    const { storage, limits } = this;
    const stale = storage.find(stream, group, write.key);
    if (stale) storage.remove(stale);
    for (let i = 0; i < EXPIRED_PER_RECORD; i++) {
      const oldest = storage.oldest();
      if (!oldest || oldest.expiresAt > now) break;
      storage.remove(oldest);
    }
    // One entry is added per record, so at most one has to go to stay within each bound.
    if (storage.count(stream, group) >= limits.maxKeysPerGroup) storage.remove(storage.oldest({ stream, group })!);
    if (storage.total() >= limits.maxKeys) storage.remove(storage.oldest()!);
    storage.add({ stream, group, key: write.key, fingerprint: write.fingerprint, result: result(), expiresAt: now + limits.ttlMs });
  }
}
