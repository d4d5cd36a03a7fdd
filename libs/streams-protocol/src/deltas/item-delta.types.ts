import type { Operation } from 'fast-json-patch';
import type { UpdateOp } from '../update-ops/update-ops.types';

/** One RFC 6902 operation (as fast-json-patch types it). */
export type JsonPatchOperation = Operation;

/**
 * What one write changed in an item (SPEC §9), exactly one of: the update ops as applied (an `update`; an
 * `append` to a string is its appended text) or an RFC 6902 patch (a `set`).
 */
export type ItemDelta = { ops: UpdateOp[]; patch?: never } | { patch: JsonPatchOperation[]; ops?: never };

/** A write's change as the server keeps it (history, Redis messages): the delta and `base`, the version (`epoch:seq`) it applies to. */
export type ItemChange = ItemDelta & { base: string };

/** A version of an item as a delta subscription's `sync` lists it (`items`, in the order of `data`). */
export interface ItemVersion {
  id: string;
  /** The position of the item's last write; null when the store keeps none (custom streams). */
  version: string | null;
}
