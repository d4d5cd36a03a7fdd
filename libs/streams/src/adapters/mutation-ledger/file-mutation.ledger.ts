import type { Key, RootDatabase } from 'lmdb';
import { mutationClientId, storeKeys } from '../file/file-store.keys';
import type { MutationAnswer, MutationLedgerLimits } from './mutation.ledger';
import { type KeptClientRecord, MemoryMutationLedger } from './memory-mutation.ledger';

/** A client's record as stored: the refusals as `[id, answer]` pairs. */
interface StoredClient {
  last: number | null;
  answer: MutationAnswer | null;
  refusals: Array<[number, MutationAnswer]> | null;
  expiresAt: number;
}

/**
 * The file adapter's ledger: the in-process one (bounds, claims, order), with each client's record also kept
 * in the store, written when its last id moves on and awaited before the answer goes out, so a mutation
 * answered before a restart is recognised after it (a re-send is answered, not applied again). Claims are not
 * kept: after a restart nothing is running. The store's directory lock makes this process the only writer.
 */
export class FileMutationLedger extends MemoryMutationLedger {
  constructor(
    private readonly db: RootDatabase<string, Key>,
    limits: MutationLedgerLimits,
    now: () => number = Date.now,
  ) {
    super(limits, now);
    this.load();
  }

  protected override recorded(clientId: string, record: KeptClientRecord): Promise<void> {
    const stored: StoredClient = { last: record.last, answer: record.answer, refusals: record.refusals && [...record.refusals], expiresAt: record.expiresAt };
    return this.db.put(storeKeys.mutationClient(clientId), JSON.stringify(stored)).then(() => undefined);
  }

  protected override forgotten(clientId: string): void {
    // Not awaited: a record left behind by a failed removal is dropped at the next start, once expired.
    this.db.remove(storeKeys.mutationClient(clientId)).catch(() => undefined);
  }

  /** The kept clients, least recently seen first (the ledger's order), without the expired ones. */
  private load(): void {
    const now = this.now();
    const kept: Array<[string, StoredClient]> = [];
    for (const { key, value } of this.db.getRange(storeKeys.mutationClients)) {
      const stored = JSON.parse(value) as StoredClient;
      const clientId = mutationClientId(key);
      if (stored.expiresAt > now) kept.push([clientId, stored]);
      else this.forgotten(clientId);
    }
    kept.sort(([, a], [, b]) => a.expiresAt - b.expiresAt);
    for (const [clientId, { refusals, ...rest }] of kept) this.restore(clientId, { ...rest, refusals: refusals && new Map(refusals) });
  }
}
