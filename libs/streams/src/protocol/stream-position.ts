/**
 * The resume position carried on frames as `position`: `<epoch>:<seq>`. Clients treat it as opaque and
 * send the last one they saw back in `join.data.position`.
 */
export interface ParsedPosition {
  epoch: string;
  seq: number;
}

export function formatPosition(epoch: string, seq: number): string {
  return `${epoch}:${seq}`;
}

export function parsePosition(token: string): ParsedPosition | null {
  const at = token.lastIndexOf(':');
  const seq = Number(token.slice(at + 1));
  if (at <= 0 || !Number.isSafeInteger(seq) || seq < 0 || token.slice(at + 1) !== String(seq)) return null;
  return { epoch: token.slice(0, at), seq };
}
