import type { JoinRefusal } from 'nest-realtime-streams-protocol';
import type { SocketCloseEvent } from './websocket.types';

/** HTTP answers to the upgrade that mean "not you, not here": retrying the same request cannot succeed. */
export const REFUSAL_STATUSES: readonly number[] = [401, 403, 404];

/**
 * The HTTP status of a refused upgrade, read from the socket's `error` event. Only Node's `ws` says it (its
 * error event reads `Unexpected server response: 401`); browsers deliberately hide it (the socket just
 * closes with 1006 before opening), so there this returns null.
 */
export function refusalStatus(event: unknown): number | null {
  const message = typeof event === 'object' && event !== null ? (event as { message?: unknown }).message : undefined;
  const match = typeof message === 'string' ? /^Unexpected server response: (\d{3})$/.exec(message) : null;
  return match ? Number(match[1]) : null;
}

/**
 * Asks the server to answer a refused upgrade with a close frame saying why instead of HTTP 401, which a
 * browser cannot tell from a dead server. A server that does not know the parameter ignores it.
 */
export function askingRefusalClose(url: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}refusal=close`;
}

/** Close code of such an answer: the upgrade was accepted only to say it is refused (docs/reference/protocol.md). */
export const UPGRADE_REFUSED = 4001;

/** The server's reason when a socket closed with `UPGRADE_REFUSED`, else null. */
export function closeRefusal(event: SocketCloseEvent | undefined): JoinRefusal | null {
  if (event?.code !== UPGRADE_REFUSED) return null;
  try {
    const reason = JSON.parse(event.reason) as Partial<JoinRefusal> | null;
    if (typeof reason?.code === 'string' && typeof reason.message === 'string') return { code: reason.code, message: reason.message };
  } catch {
    // A reason that is not ours: still a refusal, told as such.
  }
  return { code: 'unauthorized', message: event.reason };
}
