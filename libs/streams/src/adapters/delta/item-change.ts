// The default export, as in the protocol package (fast-json-patch's CommonJS has no named exports for ESM).
import jsonPatch from 'fast-json-patch';
import type { ItemChange, UpdateOp, UpdateOpError } from 'nest-realtime-streams-protocol';
import { UNVERSIONED } from '../item-write.condition';

/*
 * The change a write made to an item, computed once, in the write's own step, and kept with its event (history,
 * Redis pub/sub): what a delta subscription receives instead of the value (SPEC §9). None when the item did not
 * exist (a `create` goes whole) or has no version to apply to. Whether it is smaller than the value is decided
 * where the frame is encoded (hub/hub.event.ts), from the two encodings.
 */

/** An `update`: the ops that applied, in order (a skipped op changed nothing, so the client skips it too). */
export function updateChange(base: string | undefined, ops: readonly unknown[], errors: readonly UpdateOpError[]): ItemChange | undefined {
  if (!hasBase(base)) return undefined;
  const skipped = new Set(errors.map((error) => error.op_index));
  return { base, ops: (skipped.size === 0 ? [...ops] : ops.filter((_, i) => !skipped.has(i))) as UpdateOp[] };
}

/** A `set`: an RFC 6902 patch from the old value to the new one, when both are objects or both arrays. */
export function setChange(base: string | undefined, old: unknown, next: unknown): ItemChange | undefined {
  if (!hasBase(base) || !sameContainer(old, next)) return undefined;
  return { base, patch: jsonPatch.compare(old as object, next as object) };
}

function hasBase(base: string | undefined): base is string {
  return base !== undefined && base !== UNVERSIONED;
}

function sameContainer(a: unknown, b: unknown): boolean {
  return typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && Array.isArray(a) === Array.isArray(b);
}
