import type { MutationError, MutationFrame } from 'nest-realtime-streams-protocol';

/** What a mutation handler gets (SPEC §11): `args` already validated and transformed into its DTO. */
export interface StreamMutationPayload<A = unknown, C = unknown> {
  client_id: string;
  mutation_id: number;
  name: string;
  args: A;
  /** The connection's context (what `authFunction` returned). */
  context: C;
}

/** A `mutate` frame, checked. */
export interface MutateRequest {
  clientId: string;
  mutationId: number;
  name: string;
  args: unknown;
}

/** The answer without its frame type: what the ledger keeps and a re-send gets back. */
export type MutationAnswer = Omit<MutationFrame, 'type' | 'mutationId'>;

export type { MutationError };

/** The refusals that apply and record nothing (the client sends the mutation again). */
export function retryLater(code: 'out_of_order' | 'busy' | 'unavailable', message: string, extra: Partial<MutationError> = {}): MutationAnswer {
  return { status: 'rejected', error: { code, message, retry: true, ...extra } };
}
