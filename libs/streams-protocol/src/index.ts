/** Public API of nest-realtime-streams-protocol: what server and client share. Everything not exported here is internal. */
export { applyUpdateOps } from './update-ops/update-ops.engine';
export {
  UPDATE_OP_TYPES,
  UPDATE_OP_DOC_URL,
  UPDATE_OP_LIMITS,
  type UpdateOpType,
  type UpdateOp,
  type SetOp,
  type MergeOp,
  type IncrementOp,
  type DecrementOp,
  type AppendOp,
  type RemoveOp,
  type UpdateOpError,
  type UpdateOpsOutcome,
} from './update-ops/update-ops.types';
export { applyItemChange } from './deltas/item-delta.apply';
export type { ItemChange, ItemDelta, ItemVersion, JsonPatchOperation } from './deltas/item-delta.types';
export { formatPosition, parsePosition, type ParsedPosition } from './wire/stream-position';
export { utf8Length } from './text/utf8.length';
export type * from './wire/client-message.types';
export type * from './wire/presence.types';
export type * from './wire/server-frame.types';
export type * from './wire/mutation.types';
