import type { Operation } from 'fast-json-patch';
import type { UpdateOp } from '../update-ops/update-ops.types';

/** One RFC 6902 operation (as fast-json-patch types it). */
export type JsonPatchOperation = Operation;

/**
 * How an item changed in one write, as a delta subscription receives it (SPEC §9): the update ops as applied
 * (an `update`; an `append` to a string is its appended text) or an RFC 6902 patch (a `set`), exactly one of
 * them, and `base`, the version (`epoch:seq`) the change applies to.
 */
export type ItemChange = { base: string; ops: UpdateOp[]; patch?: never } | { base: string; patch: JsonPatchOperation[]; ops?: never };

/** A version of an item as a delta subscription's `sync` lists it (`items`, in the order of `data`). */
export interface ItemVersion {
  id: string;
  /** The position of the item's last write; null when the store keeps none (custom streams). */
  version: string | null;
}
