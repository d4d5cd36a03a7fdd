import { STAMP_KEY } from '../wire';

const MARKER = Buffer.from(`"${STAMP_KEY}":`);
/** Longest JSON number an epoch-ms stamp can print as. */
const NUMBER_CHARS = 24;

/**
 * The send timestamp inside a raw frame, or -1 for frames without one (e.g. the join's `sync`). Cheaper
 * than parsing the frame: load processes share the machine's two cores with the servers under test.
 */
export function readStamp(frame: Buffer): number {
  const at = frame.indexOf(MARKER);
  if (at < 0) return -1;
  const start = at + MARKER.length;
  return parseFloat(frame.toString('latin1', start, start + NUMBER_CHARS));
}
