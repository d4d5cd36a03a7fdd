import { EARLIER_ANSWER, KEPT_REFUSALS, type LedgerVerdict, type MutationAnswer, type MutationLedger, type MutationLedgerLimits } from './mutation.ledger';

/** Expired records dropped per call at most. */
const SWEEP_PER_CALL = 4;

interface ClientRecord {
  last: number | null;
  answer: MutationAnswer | null;
  /** Refused mutations among the last KEPT_REFUSALS ids (null until the first). */
  refusals: Map<number, MutationAnswer> | null;
  /** The mutation being applied, and until when that claim holds. */
  claim: number | null;
  claimUntil: number;
  expiresAt: number;
}

/**
 * The ledger of one process (memory and file adapters): a map kept in least-recently-seen order, bounded by
 * `ledgerSize` clients, each forgotten `ledgerTtlMs` after its last mutation. Not shared and not durable: a
 * restart forgets every client (docs/guides/mutations.md, "Guarantees").
 */
export class MemoryMutationLedger implements MutationLedger {
  private readonly clients = new Map<string, ClientRecord>();

  constructor(
    private readonly limits: MutationLedgerLimits,
    private readonly now: () => number = Date.now,
  ) {}

  begin(clientId: string, mutationId: number): Promise<LedgerVerdict> {
    const now = this.now();
    const record = this.touch(clientId, now);
    const { last } = record;
    if (last !== null && mutationId <= last) {
      const answer = mutationId === last ? record.answer : record.refusals?.get(mutationId);
      return Promise.resolve({ kind: 'answered', answer: answer ? { ...answer, duplicate: true } : EARLIER_ANSWER });
    }
    if (last !== null && mutationId > last + 1) return Promise.resolve({ kind: 'gap', expected: last + 1 });
    if (record.claim !== null && record.claimUntil > now) return Promise.resolve({ kind: 'busy' });
    record.claim = mutationId;
    record.claimUntil = now + this.limits.leaseMs;
    return Promise.resolve({ kind: 'apply' });
  }

  commit(clientId: string, mutationId: number, answer: MutationAnswer): Promise<void> {
    const record = this.touch(clientId, this.now());
    if (record.last === null || mutationId > record.last) {
      record.last = mutationId;
      record.answer = answer;
      record.refusals?.delete(mutationId - KEPT_REFUSALS);
      if (answer.status === 'rejected') (record.refusals ??= new Map()).set(mutationId, answer);
    }
    if (record.claim === mutationId) record.claim = null;
    return Promise.resolve();
  }

  /** The client's record, fresh if it had none or it expired, moved to the most recently seen end. */
  private touch(clientId: string, now: number): ClientRecord {
    let record = this.clients.get(clientId);
    this.clients.delete(clientId);
    if (!record || record.expiresAt <= now) record = { last: null, answer: null, refusals: null, claim: null, claimUntil: 0, expiresAt: 0 };
    record.expiresAt = now + this.limits.ledgerTtlMs;
    this.clients.set(clientId, record);
    if (this.clients.size > this.limits.ledgerSize) this.clients.delete(this.clients.keys().next().value!);
    this.sweep(now);
    return record;
  }

  /** Drops a few expired records from the least recently seen end: bounded work per call, and idle memory is freed. */
  private sweep(now: number): void {
    let budget = SWEEP_PER_CALL;
    for (const [clientId, record] of this.clients) {
      if (budget-- === 0 || record.expiresAt > now) return;
      this.clients.delete(clientId);
    }
  }
}
