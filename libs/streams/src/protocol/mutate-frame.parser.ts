/** A `mutate` frame, checked. */
export interface MutateRequest {
  clientId: string;
  mutationId: number;
  name: string;
  args: unknown;
}

/** Longest `clientId`, in characters (a UUID is 36). */
export const MAX_CLIENT_ID_LENGTH = 128;
/** Longest mutation `name`, in characters. */
export const MAX_MUTATION_NAME_LENGTH = 256;

export type ParsedMutate = { ok: true; request: MutateRequest } | { ok: false; field: string; message: string; mutationId?: number };

/**
 * Checks a `{type:'mutate', clientId, mutationId, name, args}` frame (flat, as the answer `{type:'mutation', ...}`).
 * `args` is whatever JSON the client sent (absent: null); its size and shape are the runner's to check.
 */
export function parseMutateFrame(message: Record<string, unknown>): ParsedMutate {
  const { clientId, mutationId, name, args } = message;
  const id = typeof mutationId === 'number' && Number.isSafeInteger(mutationId) && mutationId > 0 ? mutationId : undefined;
  if (id === undefined) return { ok: false, field: 'mutationId', message: 'mutationId: must be a positive integer' };
  if (typeof clientId !== 'string' || clientId === '' || clientId.length > MAX_CLIENT_ID_LENGTH) {
    return { ok: false, field: 'clientId', message: `clientId: must be a string of 1 to ${MAX_CLIENT_ID_LENGTH} characters`, mutationId: id };
  }
  if (typeof name !== 'string' || name === '' || name.length > MAX_MUTATION_NAME_LENGTH) {
    return { ok: false, field: 'name', message: `name: must be a string of 1 to ${MAX_MUTATION_NAME_LENGTH} characters`, mutationId: id };
  }
  return { ok: true, request: { clientId, mutationId: id, name, args: args ?? null } };
}
