import { StreamsInputError } from '../errors/streams.errors';
import { name, record } from '../service/streams-input.validator';
import { type MutateRequest, parseMutateFrame } from './mutate-frame.parser';
import { nestedDeeperThan } from './json-depth';
import { ERROR_CODES, type ProtocolErrorCode } from './protocol.constants';

export interface SubscriptionRequest {
  subscriptionId: string;
  streamName: string;
  groupId: string;
  /** Item id for an item subscription, null for a group subscription. */
  id: string | null;
  /** Join only: the last `position` the client saw, to resume instead of re-syncing. */
  position?: string;
  /** Join only (extension): presence asked with `presence: true` (members) or `'count'` (counts only). */
  presence?: 'members' | 'count';
  /** Join only (extension, SPEC §9): `update` frames carry the change, the sync each item's version. */
  deltas?: true;
}

/** Largest token a `refresh` frame may carry, in characters. */
export const MAX_REFRESH_TOKEN_LENGTH = 16 * 1024;

/** Deepest nesting of arrays and objects in a presence `state`: deeper ones could not even be encoded again. */
export const MAX_PRESENCE_STATE_DEPTH = 32;

export type ClientMessage =
  | { kind: 'join' | 'leave'; data: SubscriptionRequest }
  /** Extension: the client's own presence state on one of its presence subscriptions. */
  | { kind: 'presence'; subscriptionId: string; state: unknown }
  /** Extension: a new token for the live socket (re-authentication). */
  | { kind: 'refresh'; token: string }
  /** Extension: run a mutation handler (SPEC §11). */
  | { kind: 'mutate'; request: MutateRequest }
  | { kind: 'ignore' }
  | { kind: 'error'; code: ProtocolErrorCode; message: string; field?: string; mutationId?: number };

const MAX_POSITION_LENGTH = 128;

const fail = (code: ProtocolErrorCode, message: string, field?: string): ClientMessage => ({ kind: 'error', code, message, field });

/**
 * Parses one client frame (text or binary, UTF-8 JSON). Never throws: every defect becomes an error result
 * the gateway answers with an error frame, so one bad frame costs the client nothing else.
 */
export function parseClientMessage(raw: Buffer | string): ClientMessage {
  let text: string;
  try {
    text = typeof raw === 'string' ? raw : new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    return fail(ERROR_CODES.INVALID_JSON, 'frame is not valid UTF-8');
  }
  // iii ignores empty and whitespace-only frames; so do we (some clients send them as keep-alives).
  if (text.trim() === '') return { kind: 'ignore' };
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch (error) {
    return fail(ERROR_CODES.INVALID_JSON, `frame is not JSON: ${(error as Error).message}`);
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    return fail(ERROR_CODES.INVALID_MESSAGE, 'frame must be a JSON object {type, data}');
  }
  const { type, data } = message as Record<string, unknown>;
  if (type === 'mutate') {
    const parsed = parseMutateFrame(message as Record<string, unknown>);
    if (parsed.ok) return { kind: 'mutate', request: parsed.request };
    return { kind: 'error', code: ERROR_CODES.INVALID_FIELD, message: parsed.message, field: parsed.field, mutationId: parsed.mutationId };
  }
  if (type !== 'join' && type !== 'leave' && type !== 'presence' && type !== 'refresh') {
    return fail(ERROR_CODES.UNKNOWN_TYPE, `unknown message type ${JSON.stringify(type)}; expected "join", "leave", "presence", "refresh" or "mutate"`, 'type');
  }
  try {
    const d = record(data, 'data');
    if (type === 'presence') {
      const subscriptionId = name(d, 'subscriptionId', 'data.subscriptionId');
      if (nestedDeeperThan(d.state, MAX_PRESENCE_STATE_DEPTH)) {
        return fail(ERROR_CODES.INVALID_FIELD, `data.state: nested deeper than ${MAX_PRESENCE_STATE_DEPTH} levels`, 'data.state');
      }
      return { kind: 'presence', subscriptionId, state: d.state ?? null };
    }
    if (type === 'refresh') {
      if (typeof d.token !== 'string' || d.token === '' || d.token.length > MAX_REFRESH_TOKEN_LENGTH) {
        return fail(ERROR_CODES.INVALID_FIELD, `data.token: must be a non-empty string of at most ${MAX_REFRESH_TOKEN_LENGTH} characters`, 'data.token');
      }
      return { kind: 'refresh', token: d.token };
    }
    const id = d.id === undefined || d.id === null ? null : name(d, 'id', 'data.id');
    const request: SubscriptionRequest = {
      subscriptionId: name(d, 'subscriptionId', 'data.subscriptionId'),
      streamName: name(d, 'streamName', 'data.streamName'),
      groupId: name(d, 'groupId', 'data.groupId'),
      id,
    };
    if (type === 'join' && d.position !== undefined && d.position !== null) {
      if (typeof d.position !== 'string' || d.position === '' || d.position.length > MAX_POSITION_LENGTH) {
        return fail(ERROR_CODES.INVALID_FIELD, `data.position: must be a position string from a frame`, 'data.position');
      }
      request.position = d.position;
    }
    if (type === 'join' && d.presence !== undefined && d.presence !== false && d.presence !== null) {
      if (d.presence !== true && d.presence !== 'count') return fail(ERROR_CODES.INVALID_FIELD, 'data.presence: must be true or "count"', 'data.presence');
      if (id !== null) return fail(ERROR_CODES.INVALID_FIELD, 'data.presence: only a group subscription (no data.id) has presence', 'data.presence');
      request.presence = d.presence === true ? 'members' : 'count';
    }
    if (type === 'join' && d.deltas !== undefined && d.deltas !== false && d.deltas !== null) {
      if (d.deltas !== true) return fail(ERROR_CODES.INVALID_FIELD, 'data.deltas: must be true', 'data.deltas');
      request.deltas = true;
    }
    return { kind: type, data: request };
  } catch (error) {
    if (error instanceof StreamsInputError) return fail(ERROR_CODES.INVALID_FIELD, error.message, error.field);
    throw error;
  }
}
