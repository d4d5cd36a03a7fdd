import { hash } from 'node:crypto';
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
  return hash('sha256', canonicalJson([operation, ...inputs]), 'base64url');
}

/** JSON with every object's keys sorted; a part JSON cannot carry (a BigInt, a cycle) makes it all null, as the update engine reads it. */
export function canonicalJson(value: unknown): string {
  try {
    return canonical(value) ?? 'null';
  } catch {
    return 'null';
  }
}

/**
 * What `JSON.stringify(value, sortingReplacer)` gives, written out: without a replacer call per value and a
 * sorted copy per object, a fingerprint (computed for every keyed write on file and Redis) takes 0.6× the
 * time (a nested 300-byte value: 7.0 → 4.3 µs, one-shot hash included). Undefined where JSON.stringify
 * omits the value; a cycle overflows the stack (caught above).
 */
function canonical(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return canonical((value as { toJSON: () => unknown }).toJSON());
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += `${i === 0 ? '' : ','}${canonical(value[i]) ?? 'null'}`;
    return `${out}]`;
  }
  let out = '';
  for (const key of sortedKeys(value)) {
    const part = canonical((value as Record<string, unknown>)[key]);
    if (part !== undefined) out += `${out === '' ? '' : ','}${JSON.stringify(key)}:${part}`;
  }
  return `{${out}}`;
}

/**
 * The keys in the order the sorted copy enumerated them: integer keys (array indexes) first, ascending, as
 * every JS object lists them (Object.keys already does), then the others sorted.
 */
function sortedKeys(value: object): string[] {
  const keys = Object.keys(value);
  let indexes = 0;
  while (indexes < keys.length && isIndex(keys[indexes])) indexes++;
  return indexes === 0 ? keys.sort() : [...keys.slice(0, indexes), ...keys.slice(indexes).sort()];
}

function isIndex(key: string): boolean {
  return /^(?:0|[1-9]\d*)$/.test(key) && Number(key) < 2 ** 32 - 1;
}
