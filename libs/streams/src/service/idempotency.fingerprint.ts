import { createHash } from 'node:crypto';
import type { IdempotentWrite } from '../adapters/idempotency/idempotent-write';

type Operation = 'set' | 'update' | 'delete' | 'send';

/**
 * A keyed call: its key, and its fingerprint computed on first read. The adapters that persist records
 * (file, Redis) read it for every write; the memory adapter keeps the call and reads it only when a retry
 * with the same key must be compared, so a first write pays nothing for it. Hence the inputs must never
 * change once given: the service passes its own copies (`json()`), or fixes the fingerprint at once.
 */
export class KeyedCall implements IdempotentWrite {
  private print: string | undefined;

  constructor(
    readonly key: string,
    private readonly operation: Operation,
    private readonly inputs: readonly unknown[],
  ) {}

  get fingerprint(): string {
    return (this.print ??= callFingerprint(this.operation, ...this.inputs));
  }

  /** Computes the fingerprint now: for inputs the caller still holds (update ops), which could change later. */
  fixed(): this {
    void this.fingerprint;
    return this;
  }
}

/**
 * The fingerprint of a keyed call (SPEC §8): what a retry must repeat exactly to get the first call's
 * result. SHA-256 of the operation and its inputs (item id, data/ops/event, condition) as canonical JSON:
 * object keys sorted, so the same value built in another key order (a JSON column read back, a spread)
 * is the same call. Stream and group are not in it: a key is scoped to its group already.
 */
export function callFingerprint(operation: Operation, ...inputs: unknown[]): string {
  return createHash('sha256').update(canonicalJson([operation, ...inputs])).digest('base64url');
}

/** JSON with every object's keys sorted; a part JSON cannot carry counts as null (as the update engine reads it). */
export function canonicalJson(value: unknown): string {
  try {
    return JSON.stringify(value, sortKeys) ?? 'null';
  } catch {
    return 'null';
  }
}

function sortKeys(_key: string, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) sorted[key] = (value as Record<string, unknown>)[key];
  return sorted;
}
