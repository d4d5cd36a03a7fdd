/** Unambiguous map key for a (stream, group) pair whatever characters the names hold. */
export function groupKey(stream: string, group: string): string {
  return `${stream.length}:${stream}|${group}`;
}
