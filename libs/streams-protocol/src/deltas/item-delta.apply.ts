// The default export: fast-json-patch's `main` is CommonJS without named exports Node's ESM loader can see.
import jsonPatch from 'fast-json-patch';
import { applyUpdateOps } from '../update-ops/update-ops.engine';
import type { ItemDelta } from './item-delta.types';

/**
 * Applies a delta to the value it was computed from (the version its `base` names; checking that is the
 * caller's part): the update ops with the engine the server ran, a patch with fast-json-patch (validated, on a
 * copy, prototype writes refused). Returns `{ ok: false }` when the change does not apply cleanly: the caller
 * must re-sync, never guess.
 */
export function applyItemChange(value: unknown, change: ItemDelta): { ok: true; value: unknown } | { ok: false } {
  if (change.ops) {
    const outcome = applyUpdateOps(value, true, change.ops);
    // The server sends only the ops that applied: one failing here means the base was not what it had.
    return outcome.errors.length === 0 ? { ok: true, value: outcome.value } : { ok: false };
  }
  try {
    const copy: unknown = JSON.parse(JSON.stringify(value));
    return { ok: true, value: jsonPatch.applyPatch(copy, change.patch, true, true, true).newDocument };
  } catch {
    return { ok: false };
  }
}
