import type { Key } from 'lmdb';

/*
 * Record layout, one LMDB database, keys are ordered-binary arrays (values are JSON text unless said):
 *   ['m', 'format']                      → {format, version}        marker checked on open
 *   ['m', 'clock']                       → last timestamp handed out (never reused after a restart)
 *   ['g', stream, group]                 → {count, next}            group index: listGroups/listAll read only these
 *   ['k', stream, group, item]           → insertion number of the item
 *   ['v', stream, group, insertion no.]  → item value               `list` is one range scan, in insertion order
 *   ['i', stream, group, key]            → expiry|no|fingerprint|result   idempotency record (SPEC §8; text, see file-idempotency.storage.ts)
 *   ['io', no]                           → [stream, group, key, expiry]   records in recording order (expiry,
 *                                                                  eviction; the per-group index in memory is built from these)
 *   ['ml', client id]                    → {last, answer, refusals, expiresAt}   a client's mutations (SPEC §11; file-mutation.ledger.ts)
 *   ['x', expiry, stream, group, item]   → ''                       items with a TTL by expiry (the sweep's range scan)
 *   ['xg', stream, group, item]          → [expiry, insertion no.]  a group's items with a TTL (reads skip the expired)
 *
 * ordered-binary separates array elements with a 0 byte and writes strings of 64+ chars as raw UTF-8, so
 * a name holding a control character could collide with another key or break a prefix scan. Names are
 * therefore escaped to contain no code point below 0x20: each of those and the escape character DEL
 * become DEL + (code ^ 0x40), at most two bytes, so three 256-byte names still fit LMDB's key limit.
 */

const ESCAPE = '\u007f';
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NEEDS_ESCAPE = /[\u0000-\u001f\u007f]/g;
/** The same class, for a test: names rarely hold one, and a test is cheaper than a replace that finds nothing. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const HAS_ESCAPE = /[\u0000-\u001f\u007f]/;
const ESCAPED = /\u007f([\s\S])/g;

const flip = (c: string): string => String.fromCharCode(c.charCodeAt(0) ^ 0x40);

export function escapeName(name: string): string {
  return HAS_ESCAPE.test(name) ? name.replace(NEEDS_ESCAPE, (c) => ESCAPE + flip(c)) : name;
}

export function unescapeName(part: string): string {
  return part.replace(ESCAPED, (_, c: string) => flip(c));
}

export interface KeyRange {
  start: Key;
  end: Key;
}

/**
 * Every key extending `prefix` by at least one element. Extensions start with the 0 separator; the bound
 * appends \u0001 to the last (string) element, which sorts after that separator but before any escaped
 * name character, so a longer sibling name (`a` vs `ab`) stays outside.
 */
function under(prefix: string[]): KeyRange {
  const end = [...prefix];
  end[end.length - 1] += '\u0001';
  return { start: prefix, end };
}

export const storeKeys = {
  expiry: {
    due: (at: number, stream: string, group: string, item: string): Key => ['x', at, escapeName(stream), escapeName(group), escapeName(item)],
    /** Every entry due at `now` or earlier: expiries are whole milliseconds, the range end is exclusive. */
    dueBy: (now: number): KeyRange => ({ start: ['x'], end: ['x', now + 1] }),
    ofItem: (stream: string, group: string, item: string): Key => ['xg', escapeName(stream), escapeName(group), escapeName(item)],
    ofGroup: (stream: string, group: string): KeyRange => under(['xg', escapeName(stream), escapeName(group)]),
  },
  format: ['m', 'format'] as Key,
  clock: ['m', 'clock'] as Key,
  group: (stream: string, group: string): Key => ['g', escapeName(stream), escapeName(group)],
  groupsOf: (stream: string): KeyRange => under(['g', escapeName(stream)]),
  allGroups: under(['g']),
  insertion: (stream: string, group: string, item: string): Key => ['k', escapeName(stream), escapeName(group), escapeName(item)],
  insertionsOf: (stream: string, group: string): KeyRange => under(['k', escapeName(stream), escapeName(group)]),
  value: (stream: string, group: string, insertion: number): Key => ['v', escapeName(stream), escapeName(group), insertion],
  valuesOf: (stream: string, group: string): KeyRange => under(['v', escapeName(stream), escapeName(group)]),
  mutationClient: (clientId: string): Key => ['ml', escapeName(clientId)],
  mutationClients: under(['ml']),
  idempotency: {
    record: (stream: string, group: string, key: string): Key => ['i', escapeName(stream), escapeName(group), escapeName(key)],
    order: (no: number): Key => ['io', no],
    all: under(['io']),
  },
};

/** The names of an expiry key (`expiry.due`) read back from a range scan. */
export function expiryKeyNames(key: Key): { at: number; stream: string; group: string; item: string } {
  const [, at, stream, group, item] = key as [string, number, string, string, string];
  return { at, stream: unescapeName(stream), group: unescapeName(group), item: unescapeName(item) };
}

/** The stream and group names of a group index key read back from a range scan. */
export function groupKeyNames(key: Key): { stream: string; group: string } {
  const [, stream, group] = key as string[];
  return { stream: unescapeName(stream), group: unescapeName(group) };
}

/** The client id of a mutation ledger key (`mutationClient`) read back from a range scan. */
export function mutationClientId(key: Key): string {
  return unescapeName((key as string[])[1]);
}

/** The item name of an insertion key (`insertion`) read back from a range scan. */
export function insertionKeyItem(key: Key): string {
  return unescapeName((key as string[])[3]);
}
