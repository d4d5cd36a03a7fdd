import type { ServerFrame, StreamEvent } from 'nest-realtime-streams-protocol';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

const CHANGE_TYPES = new Set(['sync', 'create', 'update', 'delete']);

function isStreamEvent(value: unknown): value is StreamEvent {
  if (!isObject(value)) return false;
  if (value.type === 'unauthorized') return true;
  if (value.type === 'event') return isObject(value.event) && typeof value.event.type === 'string';
  return typeof value.type === 'string' && CHANGE_TYPES.has(value.type) && 'data' in value;
}

const isSeq = (value: unknown): boolean => Number.isSafeInteger(value) && (value as number) >= 0;

/** A delta subscription's `update` (SPEC §9): an item's ops or patch, with the versions it goes between. */
const isDelta = (frame: Json): boolean =>
  hasTarget(frame) && typeof frame.id === 'string' && isSeq(frame.base) && isSeq(frame.version) && Array.isArray(frame.ops) !== Array.isArray(frame.patch);

/** The fields that name a subscription's target, common to stream and `resumed` frames. */
const hasTarget = (frame: Json): boolean =>
  typeof frame.streamName === 'string' && typeof frame.groupId === 'string' && (typeof frame.id === 'string' || frame.id === null);

function isValid(frame: Json): boolean {
  switch (frame.type) {
    case 'error':
      return isObject(frame.error) && typeof frame.error.code === 'string';
    case 'resumed':
      return hasTarget(frame) && typeof frame.subscriptionId === 'string' && typeof frame.replayed === 'number' && typeof frame.position === 'string';
    case 'presence':
      return (
        typeof frame.subscriptionId === 'string' &&
        hasTarget({ ...frame, id: null }) &&
        typeof frame.count === 'number' &&
        isObject(frame.event) &&
        typeof frame.event.type === 'string' &&
        (frame.event.type !== 'changes' || Array.isArray(frame.event.events))
      );
    case 'auth':
      return frame.expiresAt === null || typeof frame.expiresAt === 'number';
    case 'mutation':
      return typeof frame.mutationId === 'number' && (frame.status === 'ok' || (frame.status === 'rejected' && isObject(frame.error) && typeof frame.error.code === 'string'));
    case 'delta':
      return isDelta(frame);
    case 'stream':
      return (
        hasTarget(frame) &&
        typeof frame.timestamp === 'number' &&
        (frame.position === undefined || typeof frame.position === 'string') &&
        isStreamEvent(frame.event)
      );
    default:
      return false;
  }
}

/**
 * A server frame from a socket message, or null for anything the client does not understand (binary data,
 * bad JSON, frame types of later protocol versions): those are skipped, never fatal.
 */
export function parseServerFrame(data: unknown): ServerFrame | null {
  if (typeof data !== 'string') return null;
  let frame: unknown;
  try {
    frame = JSON.parse(data);
  } catch {
    return null;
  }
  return isObject(frame) && isValid(frame) ? (frame as unknown as ServerFrame) : null;
}
