/** Client mutations on the wire (SPEC §11): the `mutate` message and its `mutation` answer. Opt-in: only a socket that sends `mutate` ever gets a `mutation` frame. */

/** Client → server: run the handler registered for `name`, once per (`clientId`, `mutationId`). */
export interface MutateMessage {
  type: 'mutate';
  /** Kept by the client (per tab or device) across reconnects and reloads. */
  clientId: string;
  /** 1, 2, 3 ... per client: each mutation is the previous one plus one. */
  mutationId: number;
  name: string;
  args?: unknown;
}

/**
 * Why a mutation was refused. Final codes (`invalid_args`, `unknown_mutation`, `forbidden`, `conflict`,
 * `failed`) are recorded: the mutation counts as done and a re-send gets the same answer. Codes with
 * `retry: true` (`out_of_order`, `busy`, `unavailable`) mean nothing was applied or recorded: send it again
 * (from `expected` for `out_of_order`).
 */
export interface MutationError {
  code: 'invalid_args' | 'unknown_mutation' | 'forbidden' | 'conflict' | 'failed' | 'out_of_order' | 'busy' | 'unavailable';
  message: string;
  /** `invalid_args`: the failing properties (nested ones as dotted paths, e.g. `items.0.title`). */
  fields?: string[];
  /** Set on refusals that applied and recorded nothing: the client sends the mutation again. */
  retry?: true;
  /** `out_of_order`: the mutation id the server expects next from this client. */
  expected?: number;
  /** `conflict`: the item's current version (null when it is missing). */
  version?: string | null;
}

/** A group the handler wrote to, and the position of its last write there. */
export interface MutationWrite {
  streamName: string;
  groupId: string;
  position: string;
}

/** Server → client: the answer to one `mutate`, also when the handler changed nothing. */
export interface MutationFrame {
  type: 'mutation';
  mutationId: number;
  status: 'ok' | 'rejected';
  /** The position of the handler's last write (absent when it wrote nothing). */
  position?: string;
  /** Each group the handler wrote to (at most 16 listed), so a client knows which mirror must reach which position. */
  writes?: MutationWrite[];
  error?: MutationError;
  /** What the handler returned (JSON), when it returned something. */
  result?: unknown;
  /** This answer is for a mutation already applied (a re-send): nothing ran again. */
  duplicate?: true;
}
