import { applyUpdateOps, type UpdateOp } from 'nest-realtime-streams-protocol';

/**
 * A mutation's guess at its own effect on one item of a group the client mirrors: update ops run by the same
 * engine as the server's `update` (a missing item starts as `{}`; `{ type: 'set', path: '', value }` replaces
 * it), or `delete`. The item is addressed by its key in the group mirror (the value's id field).
 */
export type OptimisticChange =
  | { streamName: string; groupId: string; itemId: string; ops: UpdateOp[] }
  | { streamName: string; groupId: string; itemId: string; delete: true };

/**
 * The item after one optimistic change (undefined: absent). Ops on an item the mirror no longer has (deleted
 * meanwhile by someone else) leave it absent, unless they start by setting the whole value (a create): an
 * update never brings a deleted item back half-made.
 */
export function applyOptimistic(change: OptimisticChange, current: unknown): unknown {
  if ('delete' in change) return undefined;
  const first = change.ops[0];
  if (current === undefined && !(first?.type === 'set' && first.path === '')) return undefined;
  return applyUpdateOps(current === undefined ? null : current, current !== undefined, change.ops).value;
}

/** The key of a group among the client's mirrors. */
export function groupKey(streamName: string, groupId: string): string {
  return JSON.stringify([streamName, groupId]);
}
