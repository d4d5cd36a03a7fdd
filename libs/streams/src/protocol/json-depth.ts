/**
 * Whether a parsed JSON value nests arrays and objects more than `max` levels deep (a scalar is 0, `[]` is
 * 1). Walks with its own stack: the value may be nested deeper than the call stack allows.
 */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const values: unknown[] = [value];
  const depths: number[] = [0];
  while (values.length > 0) {
    const v = values.pop();
    const depth = depths.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth === max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      values.push(child);
      depths.push(depth + 1);
    }
  }
  return false;
}
