import type { UpgradeRefusal } from '../auth/auth.runner';

/**
 * `?refusal=close` in the upgrade URL: the client asks to be told why a refused upgrade was refused, in a close
 * frame rather than an HTTP status (browsers hide the status: docs/reference/protocol.md, "Refused connections").
 */
const ASKS_REFUSAL_CLOSE = /[?&]refusal=close(?:&|$)/;

export function asksRefusalClose(url: string | undefined): boolean {
  return ASKS_REFUSAL_CLOSE.test(url ?? '');
}

/** RFC 6455 §5.5: a close frame's payload is at most 125 bytes, 2 of them the code. */
const MAX_REASON_BYTES = 123;

/** The refusal as the close reason, JSON `{code, message}`, the message shortened (with `…`) to fit. */
export function refusalCloseReason({ code, message }: UpgradeRefusal): string {
  const full = JSON.stringify({ code, message });
  if (Buffer.byteLength(full) <= MAX_REASON_BYTES) return full;
  const chars = Array.from(message.slice(0, MAX_REASON_BYTES));
  let kept = chars.length;
  let reason: string;
  do reason = JSON.stringify({ code, message: `${chars.slice(0, --kept).join('')}…` });
  while (kept > 0 && Buffer.byteLength(reason) > MAX_REASON_BYTES);
  return reason;
}
