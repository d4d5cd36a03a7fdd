import type { MutationError } from 'nest-realtime-streams-protocol';
import type { MutationAnswer } from '../adapters/mutation-ledger/mutation.ledger';

/** What a mutation handler gets (SPEC §11): `args` already validated and transformed into its DTO. */
export interface StreamMutationPayload<A = unknown, C = unknown> {
  client_id: string;
  mutation_id: number;
  name: string;
  args: A;
  /** The connection's context (what `authFunction` returned). */
  context: C;
}


export type { MutationError };

/** The refusals that apply and record nothing (the client sends the mutation again). */
export function retryLater(code: 'out_of_order' | 'busy' | 'unavailable', message: string, extra: Partial<MutationError> = {}): MutationAnswer {
  return { status: 'rejected', error: { code, message, retry: true, ...extra } };
}
