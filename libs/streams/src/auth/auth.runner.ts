import type { IncomingMessage } from 'node:http';
import { ForbiddenException, UnauthorizedException } from '@nestjs/common';
import type { StreamAuthFunction, StreamAuthInput } from '../options/streams-options.interface';

/** What iii's HTTP stack can read as text: visible ASCII and tab. Other values are dropped, as iii drops them. */
const VISIBLE_ASCII = /^[\t\x20-\x7e]*$/;

/**
 * The `authFunction` input, built as iii builds it: lower-case header names, and a repeated header keeps its
 * LAST value (iii collects the header list into a map, so a later value overwrites an earlier one) — read from
 * `rawHeaders`, since Node's `headers` joins some repeats with `, ` and keeps only the first of others. Raw
 * query values. Both maps have no prototype: names come from the client, and `?__proto__=x` must be data,
 * not a prototype lookup.
 */
export function buildAuthInput(request: IncomingMessage): StreamAuthInput {
  const headers: Record<string, string> = Object.create(null);
  const raw = request.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (VISIBLE_ASCII.test(raw[i + 1])) headers[raw[i].toLowerCase()] = raw[i + 1];
  }
  const [path, query = ''] = (request.url ?? '/').split(/\?(.*)/s, 2);
  const query_params: Record<string, string[]> = Object.create(null);
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    const key = eq === -1 ? pair : pair.slice(0, eq);
    if (key === '') continue;
    (query_params[key] ??= []).push(eq === -1 ? '' : pair.slice(eq + 1));
  }
  const socket = request.socket;
  const host = socket.remoteAddress?.includes(':') ? `[${socket.remoteAddress}]` : socket.remoteAddress;
  return { headers, path: path || '/', query_params, addr: `${host}:${socket.remotePort}` };
}

/** Only an object with its own `context` property accepts (SPEC §4.2); `{ context: undefined }` counts. */
function accepts(result: unknown): result is { context: unknown; expiresAt?: unknown } {
  return typeof result === 'object' && result !== null && Object.prototype.hasOwnProperty.call(result, 'context');
}

/** An accepted authentication: the context, and when it ends (epoch ms; null: never). */
export type AuthGranted = { allowed: true; context: unknown; expiresAt: number | null };
/**
 * Why an upgrade was refused, told to a client that asked for it (docs/reference/protocol.md, "Refused connections"):
 * the message of an `UnauthorizedException` / `ForbiddenException` the auth function threw, else a fixed text
 * (another error's message is the server's business, not the client's).
 */
export interface UpgradeRefusal {
  code: 'unauthorized' | 'forbidden' | 'auth_error';
  message: string;
}
export type AuthRefused = { allowed: false; reason: 'unauthorized' | 'auth_error'; refusal: UpgradeRefusal };
export type AuthOutcome = AuthGranted | AuthRefused;

const REFUSED: AuthRefused = { allowed: false, reason: 'unauthorized', refusal: { code: 'unauthorized', message: 'authentication refused' } };

function thrownRefusal(error: unknown): AuthRefused {
  if (error instanceof UnauthorizedException) return { allowed: false, reason: 'auth_error', refusal: { code: 'unauthorized', message: error.message } };
  if (error instanceof ForbiddenException) return { allowed: false, reason: 'auth_error', refusal: { code: 'forbidden', message: error.message } };
  return { allowed: false, reason: 'auth_error', refusal: { code: 'auth_error', message: 'authentication failed' } };
}

/** `expiresAt` as epoch ms; undefined when it is neither a finite number nor a valid Date (refused: fail closed). */
function expiryOf(value: unknown): number | null | undefined {
  if (value === undefined || value === null) return null;
  const ms = value instanceof Date ? value.getTime() : value;
  return typeof ms === 'number' && Number.isFinite(ms) ? ms : undefined;
}

/**
 * Runs the auth function, failing closed (→ HTTP 401 unless it returns `{ context }`): `unauthorized` when
 * it returns anything else (`false`, `null`, `undefined`, `{}`, an `expiresAt` that is not a time or has
 * passed), `auth_error` when it throws or takes longer than `timeoutMs` — told apart so an operator sees a
 * failing auth backend in the metrics. Also what a `refresh` frame runs, with `input.refresh` set.
 */
export async function runAuth(auth: StreamAuthFunction | null, input: StreamAuthInput | (() => StreamAuthInput), timeoutMs: number): Promise<AuthOutcome> {
  if (!auth) return { allowed: true, context: null, expiresAt: null };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`authFunction did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const result = await Promise.race([auth(typeof input === 'function' ? input() : input), timeout]);
    if (!accepts(result)) return REFUSED;
    const expiresAt = expiryOf(result.expiresAt);
    if (expiresAt === undefined || (expiresAt !== null && expiresAt <= Date.now())) return REFUSED;
    return { allowed: true, context: result.context ?? null, expiresAt };
  } catch (error) {
    return thrownRefusal(error);
  } finally {
    clearTimeout(timer);
  }
}

/** `runAuth` for an upgrade request; also returns the input built for it (a refresh reuses it). */
export async function authenticate(auth: StreamAuthFunction | null, request: IncomingMessage, timeoutMs: number): Promise<AuthOutcome & { input?: StreamAuthInput }> {
  if (!auth) return runAuth(auth, () => buildAuthInput(request), timeoutMs);
  const input = buildAuthInput(request);
  return { ...(await runAuth(auth, input, timeoutMs)), input };
}
