/** Longest stream, group or item name, in UTF-8 bytes. */
export const MAX_NAME_BYTES = 256;

/**
 * Why `value` is not a valid stream, group or item name (or subscription id), or null when it is one: any
 * string iii accepts, as long as it is well-formed Unicode and at most MAX_NAME_BYTES long (see `name` in
 * service/streams-input.validator.ts for why).
 */
export function nameProblem(value: unknown): string | null {
  if (typeof value !== 'string') return 'must be a string';
  if (Buffer.byteLength(value, 'utf8') > MAX_NAME_BYTES) return `must be at most ${MAX_NAME_BYTES} bytes of UTF-8`;
  if (!value.isWellFormed()) return 'must be well-formed Unicode (no lone surrogates)';
  return null;
}
