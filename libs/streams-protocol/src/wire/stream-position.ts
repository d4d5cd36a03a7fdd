/**
 * The resume position carried on frames as `position`: `<epoch>:<seq>`, also an item's version (SPEC §8).
 * iii clients treat it as opaque and send the last one they saw back in `join.data.position`; a delta
 * subscription's client reads its epoch, in which `delta` frames number their versions (SPEC §9).
 */
export interface ParsedPosition {
  epoch: string;
  seq: number;
}

export function formatPosition(epoch: string, seq: number): string {
  return `${epoch}:${seq}`;
}

/** Null when the token is not `<epoch>:<seq>` with a non-empty epoch and a canonical non-negative integer seq. */
export function parsePosition(token: string): ParsedPosition | null {
  const at = token.lastIndexOf(':');
  const seq = Number(token.slice(at + 1));
  if (at <= 0 || !Number.isSafeInteger(seq) || seq < 0 || token.slice(at + 1) !== String(seq)) return null;
  return { epoch: token.slice(0, at), seq };
}
