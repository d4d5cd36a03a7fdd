import type { PresenceChange, PresenceRecord } from '../../presence/presence.types';

/** What the presence scripts publish on the group's channel: `p` then this JSON (an event message starts with its seq). */
interface PresenceMessage {
  /** The group's version before and after the write. */
  p: number;
  v: number;
  /** The writing instance ('' when the script only dropped expired entries). */
  i: string;
  /** The writer's entry ttl (ms). */
  t: number;
  /** 1 when the write re-wrote every entry of the writer in the group (its keep-alive). */
  r: 0 | 1;
  /** Entries written: [field, record]; a field is `<instance>\n<member key>`. */
  s: Array<[string, PresenceRecord]>;
  /** Fields removed or expired. */
  d: string[];
}

export const PRESENCE_MESSAGE_MARK = 'p';

/** Whether a message on a group's channel is a presence change (event messages start with a digit). */
export function isPresenceMessage(message: string): boolean {
  return message.startsWith(PRESENCE_MESSAGE_MARK);
}

export function decodePresenceMessage(stream: string, group: string, message: string): PresenceChange {
  const m = JSON.parse(message.slice(PRESENCE_MESSAGE_MARK.length)) as PresenceMessage;
  return {
    stream,
    group,
    prev: m.p,
    version: m.v,
    instance: m.i,
    ttlMs: m.t,
    refreshed: m.r === 1,
    set: m.s.map(([field, record]) => ({ ...splitField(field), record })),
    removed: m.d.map(splitField),
  };
}

/** `<instance>\n<member key>`: instance names never hold a newline, member keys may. */
export function splitField(field: string): { instance: string; key: string } {
  const at = field.indexOf('\n');
  return { instance: field.slice(0, at), key: field.slice(at + 1) };
}
