import { formatPosition } from 'nest-realtime-streams-protocol';
import type { StreamsConflictCode } from '../errors/streams.errors';
import type { IdempotentWrite } from './idempotency/idempotent-write';

/**
 * What a conditional write requires of its item (SPEC §8), checked by the adapter in the same atomic step
 * as the write: `if_version` (the item's version is exactly this), `if_absent` (no item), `if_exists`.
 */
export type WriteCondition = { if_version: string | null } | { if_absent: true } | { if_exists: true };

/** Per-write options of `set`, `update` and `delete`. */
export interface ItemWriteOptions {
  condition?: WriteCondition;
  /** Applies the write once per key (SPEC §8): checked before the condition, recorded with the write. */
  idempotency?: IdempotentWrite;
  /** `set`/`update`: the item expires this long after the write; without it the item never does (see item-expiry.ts). */
  ttlMs?: number;
}

/** An item's value with its version (the position of its last write); both null when the item is missing. */
export type { StreamVersionedValue as VersionedValue } from '../interfaces/stream-payloads.interface';

/** A refused condition: why, and the item's version now (null when missing). */
export interface WriteConflict {
  code: StreamsConflictCode;
  version: string | null;
}

/**
 * The version of an item stored before versions existed (file stores of format 1, Redis items written by an
 * earlier release): no history epoch is "0", so it equals no real version, and the item's next write
 * replaces it for good.
 */
export const UNVERSIONED = formatPosition('0', 0);

/** The conflict when `condition` does not hold for an item whose version is `current` (null: missing), else null. */
export function conditionConflict(condition: WriteCondition | undefined, current: string | null): WriteConflict | null {
  if (!condition) return null;
  if ('if_version' in condition) return current === condition.if_version ? null : { code: 'version_conflict', version: current };
  if ('if_absent' in condition) return current === null ? null : { code: 'exists', version: current };
  return current !== null ? null : { code: 'missing', version: null };
}
