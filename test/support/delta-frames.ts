import { formatPosition, type ItemDelta, parsePosition } from 'nest-realtime-streams-protocol';
import type { Frame } from './ws-client';

/** A change as tests compare it: the delta with its versions as `epoch:seq` tokens, as the server's results give them. */
export type DeltaRead = ItemDelta & { base: string; version: string };

/** Frames about a subscription's items: full frames and delta frames (SPEC §9). */
export const itemFrame = (f: Frame): boolean => f.type === 'stream' || f.type === 'delta';

/**
 * A delta frame's change with its seq versions read in the epoch of `like` (any version or position of the
 * subscription's epoch, as the typed client reads them in its position's); null for any other frame.
 */
export function readDelta(frame: Frame, like: string): DeltaRead | null {
  if (frame.type !== 'delta') return null;
  const { epoch } = parsePosition(like)!;
  const change = frame.ops ? { ops: frame.ops } : { patch: frame.patch! };
  return { ...change, base: formatPosition(epoch, frame.base!), version: formatPosition(epoch, frame.version!) } as DeltaRead;
}
