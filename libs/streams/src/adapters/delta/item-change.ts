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

/**
 * A `set`: an RFC 6902 patch from the old value to the new one, when both are objects or both arrays and the
 * patch gives the new value's keys in its order (JSON.stringify of the result equals the value's).
 */
export function setChange(base: string | undefined, old: unknown, next: unknown): ItemChange | undefined {
  if (!hasBase(base) || !sameContainer(old, next) || !patchKeepsOrder(old, next)) return undefined;
  return { base, patch: jsonPatch.compare(old as object, next as object) };
}

/**
 * Whether applying `compare(old, next)` to `old` lists every object's keys as `next` does. A patch replaces
 * kept keys in place and adds new keys at the end, in `next`'s order, recursing where both sides are containers
 * of one kind (as `compare` does); anything else it carries whole. So a `set` that reorders keys goes as the
 * value: a patch would leave the client's mirror with another key order than the server's.
 */
function patchKeepsOrder(old: unknown, next: unknown): boolean {
  if (!sameContainer(old, next)) return true;
  if (Array.isArray(old)) return (next as unknown[]).every((item, i) => i >= old.length || patchKeepsOrder(old[i], item));
  const before = old as Record<string, unknown>;
  const after = next as Record<string, unknown>;
  const keys = Object.keys(after);
  const kept = Object.keys(before).filter((key) => Object.hasOwn(after, key));
  const added = keys.filter((key) => !Object.hasOwn(before, key));
  const patched = kept.concat(added);
  return patched.every((key, i) => key === keys[i]) && kept.every((key) => patchKeepsOrder(before[key], after[key]));
}

function hasBase(base: string | undefined): base is string {
  return base !== undefined && base !== UNVERSIONED;
}

function sameContainer(a: unknown, b: unknown): boolean {
  return typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && Array.isArray(a) === Array.isArray(b);
}
