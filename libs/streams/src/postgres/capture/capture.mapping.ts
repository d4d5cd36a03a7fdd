import type { UpdateOp } from 'nest-realtime-streams-protocol';

/**
 * A row as the replication stream carries it: column name → value parsed by pg's type parsers (`undefined`
 * for a value not sent: an unchanged TOAST value, a non-key column of a key-only old row).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a row holds whatever the table does; the declaration's functions read it as they know it
export type CaptureRow = Record<string, any>;

/**
 * A function of the row. Written as a method's type, so its parameter is checked both ways: a function
 * typed for the table's own row (`(row: Order) => row.shop`) fits a declaration as well as `(row) => ...`.
 */
export type RowFunction<T> = { row(row: CaptureRow): T }['row'];

/** One table followed into one stream (docs/postgres.md, "Change capture"). */
export interface StreamTableDeclaration {
  /** The table, optionally schema-qualified (`orders`, `shop.orders`; unqualified means `public`). */
  table: string;
  /** The stream its items go to. */
  stream: string;
  /** The item's group: a column's value, or computed from the row (on a delete: from the old row the replica identity carries). */
  group: string | RowFunction<string>;
  /** The column whose value (as text) is the item's id. */
  id: string;
  /** The columns that make up the item's value, in this order (default: all, as the table orders them). */
  columns?: string[];
  /** Rows this returns false for are not items: an insert is skipped, an update deletes the item. */
  filter?: RowFunction<boolean>;
}

/** A declaration once validated: the table split into schema and name. */
export interface ResolvedStreamTable {
  schema: string;
  name: string;
  /** `schema.name`, as pgoutput's relation messages name it. */
  qualified: string;
  /** Quoted for SQL. */
  sql: string;
  stream: string;
  group: string | ((row: CaptureRow) => string);
  id: string;
  columns: string[] | null;
  filter: ((row: CaptureRow) => boolean) | null;
}

/** A row change as decoded: the new row (insert, update) and the old one as far as the replica identity carries it. */
export type CaptureChange = { kind: 'insert'; row: CaptureRow } | { kind: 'update'; row: CaptureRow; old: CaptureRow | null } | { kind: 'delete'; old: CaptureRow };

interface Location {
  stream_name: string;
  group_id: string;
  item_id: string;
}

/** A StreamsService call a change becomes (without its idempotency key, which the consumer adds). */
export type CaptureWrite = (Location & { operation: 'set'; data: Record<string, unknown> }) | (Location & { operation: 'update'; ops: UpdateOp[] }) | (Location & { operation: 'delete' });

/** A row that cannot become an item (no id, a group function that throws or returns no string): skipped, logged, counted. */
export class CaptureMappingError extends Error {}

/**
 * insert → `set` (create); update → `set` of the new value (update), or a root `merge` of the columns sent
 * when some were not (unchanged TOAST values), preceded by a `delete` of the old item when the group or id
 * changed; delete → `delete`. `filter` turns a row into no item: nothing on insert, a `delete` on update.
 */
export function mapChange(table: ResolvedStreamTable, change: CaptureChange): CaptureWrite[] {
  try {
    if (change.kind === 'delete') return [{ operation: 'delete', ...locate(table, change.old) }];
    const at = locate(table, change.row);
    const writes: CaptureWrite[] = [];
    if (change.kind === 'update' && change.old) {
      // A key-only old row (REPLICA IDENTITY DEFAULT, key changed) lacks the other columns: they are as in the new row.
      const was = locate(table, { ...change.row, ...defined(change.old) });
      if (was.group_id !== at.group_id || was.item_id !== at.item_id) writes.push({ operation: 'delete', ...was });
    }
    if (table.filter && !table.filter(change.row)) {
      if (change.kind === 'update') writes.push({ operation: 'delete', ...at });
      return writes;
    }
    const { data, complete } = valueOf(table, change.row);
    writes.push(complete ? { operation: 'set', ...at, data } : { operation: 'update', ...at, ops: [{ type: 'merge', value: data }] });
    return writes;
  } catch (error) {
    if (error instanceof CaptureMappingError) throw error;
    throw new CaptureMappingError(`${table.qualified} → ${table.stream}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function locate(table: ResolvedStreamTable, row: CaptureRow): Location {
  const id = row[table.id];
  if (id === null || id === undefined) throw new CaptureMappingError(`${table.qualified} → ${table.stream}: the id column ${table.id} is ${String(id)}`);
  const group = typeof table.group === 'string' ? row[table.group] : table.group(row);
  if (typeof table.group === 'string' ? group === null || group === undefined : typeof group !== 'string') {
    const what = typeof table.group === 'string' ? `the group column ${table.group} is ${String(group)}` : `the group function returned ${typeof group}, not a string`;
    throw new CaptureMappingError(`${table.qualified} → ${table.stream}: ${what}`);
  }
  return { stream_name: table.stream, group_id: text(group), item_id: text(id) };
}

/** The item's value: the declared columns (or all) as JSON values; `complete` is false when one was not sent. */
function valueOf(table: ResolvedStreamTable, row: CaptureRow): { data: Record<string, unknown>; complete: boolean } {
  const data: Record<string, unknown> = {};
  let complete = true;
  for (const column of table.columns ?? Object.keys(row)) {
    const value = row[column];
    if (value === undefined) complete = false;
    else data[column] = json(value);
  }
  return { data, complete };
}

function defined(row: CaptureRow): CaptureRow {
  return Object.fromEntries(Object.entries(row).filter(([, value]) => value !== undefined));
}

function text(value: unknown): string {
  return value instanceof Date ? value.toISOString() : String(value);
}

/** What pg's parsers give that JSON would change: timestamps as ISO text, bytea as PostgreSQL's hex text. */
function json(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value).toString('hex')}`;
  return value;
}
