import { EARLIER_ANSWER, KEPT_REFUSALS, type LedgerVerdict, type MutationAnswer, type MutationLedger, type MutationLedgerLimits } from './mutation.ledger';

/** Expired records dropped per call at most. */
const SWEEP_PER_CALL = 4;

/** What a client's record holds besides its claim: what a durable ledger keeps (FileMutationLedger). */
export interface KeptClientRecord {
  last: number | null;
  answer: MutationAnswer | null;
  /** Refused mutations among the last KEPT_REFUSALS ids (null until the first). */
  refusals: Map<number, MutationAnswer> | null;
  expiresAt: number;
}

interface ClientRecord extends KeptClientRecord {
  /** The mutation being applied, and until when that claim holds. */
  claim: number | null;
  claimUntil: number;
}

/**
 * The ledger of one process (memory adapter): a map kept in least-recently-seen order, bounded by `ledgerSize`
 * clients, each forgotten `ledgerTtlMs` after its last mutation. Not shared and not durable: a restart forgets
 * every client (docs/guides/mutations.md, "Guarantees"). A subclass makes it durable through `recorded` and
 * `forgotten`, and `restore`s what it kept (FileMutationLedger).
 */
export class MemoryMutationLedger implements MutationLedger {
  private readonly clients = new Map<string, ClientRecord>();

  constructor(
    protected readonly limits: MutationLedgerLimits,
    protected readonly now: () => number = Date.now,
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

  async commit(clientId: string, mutationId: number, answer: MutationAnswer): Promise<void> {
    const record = this.touch(clientId, this.now());
    const moved = record.last === null || mutationId > record.last;
    if (moved) {
      record.last = mutationId;
      record.answer = answer;
      record.refusals?.delete(mutationId - KEPT_REFUSALS);
      if (answer.status === 'rejected') (record.refusals ??= new Map()).set(mutationId, answer);
    }
    try {
      if (moved) await this.recorded(clientId, record);
    } finally {
      if (record.claim === mutationId) record.claim = null;
    }
  }

  /** A client's record moved on (its last id, answer and refusals); a durable ledger keeps it before the answer goes. */
  protected recorded(_clientId: string, _record: KeptClientRecord): Promise<void> {
    return Promise.resolve();
  }

  /** A client was forgotten (expired, or dropped past `ledgerSize`). */
  protected forgotten(_clientId: string): void {}

  /** Puts back a client a durable ledger kept; call in least-recently-seen order, before any mutation. */
  protected restore(clientId: string, kept: KeptClientRecord): void {
    this.clients.set(clientId, { ...kept, claim: null, claimUntil: 0 });
    this.bound();
  }

  /** The client's record, fresh if it had none or it expired, moved to the most recently seen end. */
  private touch(clientId: string, now: number): ClientRecord {
    let record = this.clients.get(clientId);
    this.clients.delete(clientId);
    if (!record || record.expiresAt <= now) record = { last: null, answer: null, refusals: null, claim: null, claimUntil: 0, expiresAt: 0 };
    record.expiresAt = now + this.limits.ledgerTtlMs;
    this.clients.set(clientId, record);
    this.bound();
    this.sweep(now);
    return record;
  }

  /** Past `ledgerSize` clients, the least recently seen is forgotten. */
  private bound(): void {
    if (this.clients.size <= this.limits.ledgerSize) return;
    const oldest = this.clients.keys().next().value!;
    this.clients.delete(oldest);
    this.forgotten(oldest);
  }

  /** Drops a few expired records from the least recently seen end: bounded work per call, and idle memory is freed. */
  private sweep(now: number): void {
    let budget = SWEEP_PER_CALL;
    for (const [clientId, record] of this.clients) {
      if (budget-- === 0 || record.expiresAt > now) return;
      this.clients.delete(clientId);
      this.forgotten(clientId);
    }
  }
}
