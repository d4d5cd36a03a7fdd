import type { MutationFrame } from 'nest-realtime-streams-protocol';

/** A mutation's answer without its frame type: what the ledger keeps and a re-send gets back. */
export type MutationAnswer = Omit<MutationFrame, 'type' | 'mutationId'>;

/** Injection token of the module's MutationLedger (the adapter's shared one, or an in-process one). */
export const MUTATION_LEDGER = Symbol('MUTATION_LEDGER');

/** The bounds a ledger keeps (the `mutations` option group). */
export interface MutationLedgerLimits {
  /** Clients remembered (memory); past it the least recently seen is forgotten. */
  ledgerSize: number;
  /** A client's record is forgotten this long after its last mutation. */
  ledgerTtlMs: number;
  /** How long a claim to apply a mutation holds before another instance may take it over. */
  leaseMs: number;
}

/**
 * What to do with mutation `n` of a client whose last applied mutation is `last` (none: the client is new,
 * or forgotten, and `n` starts its sequence):
 * - `apply`: `n` is `last + 1` (or the first) and is now claimed by this caller, who must `commit` it;
 * - `answered`: `n <= last`, a re-send: the recorded answer for `last` or for a refusal among the last
 *   KEPT_REFUSALS ids, else `{ status: 'ok', duplicate }` (applied);
 * - `busy`: another caller holds the claim (on any instance) and has not committed yet;
 * - `gap`: `n > last + 1`: a mutation is missing; the client re-sends from `expected`.
 */
export type LedgerVerdict = { kind: 'apply' } | { kind: 'answered'; answer: MutationAnswer } | { kind: 'busy' } | { kind: 'gap'; expected: number };

/**
 * Each client's last applied mutation id and its answer: what makes a mutation apply exactly once per
 * (client id, mutation id) however often it is sent, on whichever instance. `begin` and `commit` are each
 * atomic (Redis: one script), so two instances racing on one mutation apply it once.
 */
export interface MutationLedger {
  begin(clientId: string, mutationId: number): Promise<LedgerVerdict>;
  /** Records `mutationId` as applied with its answer and frees the claim (never moves a client's `last` back). */
  commit(clientId: string, mutationId: number, answer: MutationAnswer): Promise<void>;
}

/** The answer to a re-send of a mutation older than the last one and not among the kept refusals: it was applied. */
export const EARLIER_ANSWER: MutationAnswer = { status: 'ok', duplicate: true };

/**
 * Refusals kept besides the last answer, for the client's mutations at most this many ids before its last: a
 * client that sent several mutations at once and lost their answers learns which were refused (rollback) when it
 * sends them again. Refusals are rare, so this costs little; older re-sends get EARLIER_ANSWER.
 */
export const KEPT_REFUSALS = 32;
