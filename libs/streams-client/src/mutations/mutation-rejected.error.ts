import type { MutationError } from 'nest-realtime-streams-protocol';

/** `client.mutate()` rejects with this when the server refused the mutation for good; its optimistic change is rolled back. */
export class MutationRejectedError extends Error {
  readonly code: MutationError['code'];
  /** `invalid_args`: the failing properties. */
  readonly fields: string[];

  constructor(
    readonly mutationId: number,
    readonly error: MutationError,
  ) {
    super(`mutation ${mutationId} rejected (${error.code}): ${error.message}`);
    this.name = 'MutationRejectedError';
    this.code = error.code;
    this.fields = error.fields ?? [];
  }
}
