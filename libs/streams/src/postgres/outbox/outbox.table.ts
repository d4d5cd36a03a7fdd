/**
 * The names derived from the outbox table's name, computed once: the quoted table and dead-letter table,
 * the NOTIFY channel, and the two advisory-lock classes (writers of a group; the relay of a group).
 */
export interface OutboxTable {
  /** As configured, e.g. `streams_outbox` or `app.streams_outbox`. */
  name: string;
  /** Quoted for SQL: `"app"."streams_outbox"`. */
  sql: string;
  /** The dead-letter table, quoted: `"app"."streams_outbox_dead"`. */
  deadSql: string;
  /** The LISTEN/NOTIFY channel (an identifier; the table's name with `.` as `_`). */
  channel: string;
  /** Advisory-lock class taken (per group) by a transaction writing to the outbox: orders a group's rows by commit. */
  writerLock: number;
  /** Advisory-lock class taken (per group) by the relay pass applying a group's rows: one relay per group. */
  relayLock: number;
}

/** Plain lower-case identifiers only, short enough for the `_dead` suffix (PostgreSQL cuts names at 63 bytes). */
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,57}$/;

export function outboxTable(name: unknown): OutboxTable {
  const parts = typeof name === 'string' ? name.split('.') : [];
  if (parts.length < 1 || parts.length > 2 || !parts.every((part) => IDENTIFIER.test(part))) {
    throw new Error(`must be a table name such as streams_outbox or app.streams_outbox (lower-case letters, digits, _; got ${JSON.stringify(name)})`);
  }
  const quoted = parts.map((part) => `"${part}"`);
  const table = name as string;
  return {
    name: table,
    sql: quoted.join('.'),
    deadSql: [...quoted.slice(0, -1), `"${parts.at(-1)}_dead"`].join('.'),
    channel: parts.join('_'),
    writerLock: hash32(`streams-outbox-writer:${table}`),
    relayLock: hash32(`streams-outbox-relay:${table}`),
  };
}

/** The advisory-lock key of a (stream, group), stored on each row: the relay locks it without recomputing. */
export function groupHash(stream: string, group: string): number {
  return hash32(`${stream}\u0000${group}`);
}

/** FNV-1a over the UTF-8 bytes, as a signed 32-bit integer (PostgreSQL's `int4`). Collisions only serialize two groups. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) h = Math.imul(h ^ byte, 0x01000193);
  return h | 0;
}
