import type { Pool } from 'pg';
import { StreamsOptionsError } from '../errors/streams.errors';
import { bool, int, type Issues, isRecord, unknownKeys } from '../options/streams-options.resolver';
import type { ResolvedStreamTable, StreamTableDeclaration } from './capture/capture.mapping';
import { outboxTable, type OutboxTable } from './outbox/outbox.table';

/** `StreamsPostgresModule.forRoot({...})`: where PostgreSQL is, and the outbox's settings (docs/reference/postgres.md). */
export interface StreamsPostgresModuleOptions {
  /** A `postgres://` URL; the module opens (and closes) its own small pool. Give this or `pool`. */
  connectionString?: string;
  /** The app's own `pg.Pool`; the module uses it and leaves it open on shutdown. */
  pool?: Pool;
  /** The transactional outbox (SPEC §10); on by default. `false` turns it off (no writer, no relay). */
  outbox?: StreamsOutboxOptions | false;
  /** Change capture (SPEC §10): declared tables followed through a durable logical-replication slot. Off unless given. */
  capture?: StreamsCaptureOptions;
}

export interface StreamsCaptureOptions {
  /** The tables to follow and how their rows map to items (at least one). */
  tables: StreamTableDeclaration[];
  /** The durable logical-replication slot (created at the first start when missing). Default `streams_capture`. */
  slot?: string;
  /** The one publication listing every declared table (created, or altered to match, at start). Default `streams_capture`. */
  publication?: string;
  /** Try to be this instance the capture consumer (default true). One instance at a time holds the slot; the others wait and take over. */
  consumer?: boolean;
  /** How often a waiting instance tries to take the slot, and the wait before a failed consumer starts again (default 1000 ms). */
  retryMs?: number;
  /** The health indicator is down when the slot holds more WAL than this behind the server's position (default 1 GiB). */
  maxLagBytes?: number;
}

export interface ResolvedCaptureOptions {
  tables: ResolvedStreamTable[];
  slot: string;
  publication: string;
  consumer: boolean;
  retryMs: number;
  maxLagBytes: number;
}

export interface StreamsOutboxOptions {
  /** The outbox table, optionally schema-qualified (`app.streams_outbox`); its dead letters are `<table>_dead`. Default `streams_outbox`. */
  table?: string;
  /** Run the relay on this instance (default true). Any number of instances may run it. */
  relay?: boolean;
  /** Rows one relay pass reads at most (default 100). */
  batchSize?: number;
  /** The relay looks for rows at least this often, notifications or not (default 1000 ms). */
  pollIntervalMs?: number;
  /** Wake the relay with LISTEN on a connection of its own (default true); off behind PgBouncer transaction pooling. */
  listen?: boolean;
  /** Attempts of a row whose write keeps failing for another reason than its input (e.g. the store is down) before it is dead-lettered (default 20). */
  maxAttempts?: number;
  /** Wait before the first retry of such a row, doubled per attempt (default 500 ms)... */
  retryMinMs?: number;
  /** ...up to this (default 30 s). */
  retryMaxMs?: number;
  /** The `@nestjs-cls/transactional` connection name whose TransactionHost handle-less writes use (default: the default host). */
  transactionHost?: string;
}

export interface ResolvedOutboxOptions {
  table: OutboxTable;
  relay: boolean;
  batchSize: number;
  pollIntervalMs: number;
  listen: boolean;
  maxAttempts: number;
  retryMinMs: number;
  retryMaxMs: number;
  transactionHost: string | undefined;
}

export interface ResolvedPostgresOptions {
  connectionString: string | undefined;
  pool: Pool | undefined;
  outbox: ResolvedOutboxOptions | null;
  capture: ResolvedCaptureOptions | null;
}

export const OUTBOX_DEFAULTS = {
  table: 'streams_outbox',
  relay: true,
  batchSize: 100,
  pollIntervalMs: 1000,
  listen: true,
  maxAttempts: 20,
  retryMinMs: 500,
  retryMaxMs: 30_000,
} as const;

export const CAPTURE_DEFAULTS = {
  slot: 'streams_capture',
  publication: 'streams_capture',
  consumer: true,
  retryMs: 1000,
  maxLagBytes: 1024 ** 3,
} as const;

const KNOWN = {
  options: ['connectionString', 'pool', 'outbox', 'capture'],
  outbox: [...Object.keys(OUTBOX_DEFAULTS), 'transactionHost'],
  capture: ['tables', ...Object.keys(CAPTURE_DEFAULTS)],
  table: ['table', 'stream', 'group', 'id', 'columns', 'filter'],
};

/** Defaults and validation in one place: one StreamsOptionsError naming every bad field, unknown keys included. */
export function resolvePostgresOptions(raw: unknown): ResolvedPostgresOptions {
  const issues: Issues = [];
  const input = isRecord(raw) ? raw : {};
  if (!isRecord(raw)) issues.push('options must be an object');
  unknownKeys(issues, '', input, KNOWN.options);
  const { connectionString, pool } = input;
  if (connectionString !== undefined && (typeof connectionString !== 'string' || connectionString === '')) issues.push('connectionString must be a non-empty string');
  // Duck-typed: the app may hold another copy of pg.
  if (pool !== undefined && !(isRecord(pool) && typeof pool.connect === 'function' && typeof pool.query === 'function')) issues.push('pool must be a pg Pool');
  if ((connectionString === undefined) === (pool === undefined)) issues.push('give exactly one of connectionString and pool');
  const resolved: ResolvedPostgresOptions = {
    connectionString: connectionString as string | undefined,
    pool: pool as Pool | undefined,
    outbox: input.outbox === false ? null : outbox(issues, input.outbox),
    capture: input.capture === undefined ? null : capture(issues, input.capture),
  };
  if (issues.length > 0) throw new StreamsOptionsError(issues.map((issue) => `StreamsPostgresModule: ${issue}`));
  return resolved;
}

function outbox(issues: Issues, value: unknown): ResolvedOutboxOptions {
  if (value !== undefined && !isRecord(value)) issues.push('outbox must be an object or false');
  const o = isRecord(value) ? value : {};
  unknownKeys(issues, 'outbox', o, KNOWN.outbox);
  const d = OUTBOX_DEFAULTS;
  let table = outboxTable(d.table);
  try {
    if (o.table !== undefined) table = outboxTable(o.table);
  } catch (error) {
    issues.push(`outbox.table ${(error as Error).message}`);
  }
  if (o.transactionHost !== undefined && (typeof o.transactionHost !== 'string' || o.transactionHost === '')) issues.push('outbox.transactionHost must be a non-empty string');
  const retryMinMs = int(issues, 'outbox.retryMinMs', o.retryMinMs, d.retryMinMs, 10, 3_600_000);
  const retryMaxMs = int(issues, 'outbox.retryMaxMs', o.retryMaxMs, d.retryMaxMs, 10, 3_600_000);
  if (retryMaxMs < retryMinMs) issues.push('outbox.retryMaxMs must be at least outbox.retryMinMs');
  return {
    table,
    relay: bool(issues, 'outbox.relay', o.relay, d.relay),
    batchSize: int(issues, 'outbox.batchSize', o.batchSize, d.batchSize, 1, 10_000),
    pollIntervalMs: int(issues, 'outbox.pollIntervalMs', o.pollIntervalMs, d.pollIntervalMs, 10, 3_600_000),
    listen: bool(issues, 'outbox.listen', o.listen, d.listen),
    maxAttempts: int(issues, 'outbox.maxAttempts', o.maxAttempts, d.maxAttempts, 1, 1_000_000),
    retryMinMs,
    retryMaxMs,
    transactionHost: o.transactionHost as string | undefined,
  };
}

/** A slot or publication name: PostgreSQL's slot names allow only these, and both appear unquoted in replication commands. */
const NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** A table, optionally schema-qualified: plain lower-case identifiers, as the outbox table. */
const TABLE = /^(?:([a-z_][a-z0-9_]{0,62})\.)?([a-z_][a-z0-9_]{0,62})$/;

function capture(issues: Issues, value: unknown): ResolvedCaptureOptions {
  if (!isRecord(value)) issues.push('capture must be an object { tables, slot?, publication?, consumer?, retryMs?, maxLagBytes? }');
  const c = isRecord(value) ? value : {};
  unknownKeys(issues, 'capture', c, KNOWN.capture);
  const d = CAPTURE_DEFAULTS;
  const name = (key: 'slot' | 'publication'): string => {
    const raw = c[key] ?? d[key];
    if (typeof raw === 'string' && NAME.test(raw)) return raw;
    issues.push(`capture.${key} must be a lower-case name of letters, digits and _ (at most 63; got ${JSON.stringify(raw)})`);
    return d[key];
  };
  if (!Array.isArray(c.tables) || c.tables.length === 0) issues.push('capture.tables must be a non-empty array of table declarations { table, stream, group, id, columns?, filter? }');
  const tables = (Array.isArray(c.tables) ? (c.tables as unknown[]) : []).map((t, i) => streamTable(issues, `capture.tables[${i}]`, t));
  const seen = new Set<string>();
  for (const t of tables) {
    const key = `${t.qualified} → ${t.stream}`;
    if (seen.has(key)) issues.push(`capture.tables declares ${key} twice`);
    seen.add(key);
  }
  return {
    tables,
    slot: name('slot'),
    publication: name('publication'),
    consumer: bool(issues, 'capture.consumer', c.consumer, d.consumer),
    retryMs: int(issues, 'capture.retryMs', c.retryMs, d.retryMs, 10, 3_600_000),
    maxLagBytes: int(issues, 'capture.maxLagBytes', c.maxLagBytes, d.maxLagBytes, 1, Number.MAX_SAFE_INTEGER),
  };
}

function streamTable(issues: Issues, path: string, value: unknown): ResolvedStreamTable {
  if (!isRecord(value)) issues.push(`${path} must be an object { table, stream, group, id, columns?, filter? }`);
  const t = isRecord(value) ? value : {};
  unknownKeys(issues, path, t, KNOWN.table);
  const match = typeof t.table === 'string' ? TABLE.exec(t.table) : null;
  if (!match) issues.push(`${path}.table must be a table name such as orders or shop.orders (lower-case letters, digits, _; got ${JSON.stringify(t.table)})`);
  const [schema, name] = match ? [match[1] ?? 'public', match[2]] : ['public', '?'];
  const nonEmpty = (key: string) => {
    if (typeof t[key] === 'string' && t[key] !== '') return t[key];
    issues.push(`${path}.${key} must be a non-empty string`);
    return '?';
  };
  const stream = nonEmpty('stream');
  const id = nonEmpty('id');
  if (!((typeof t.group === 'string' && t.group !== '') || typeof t.group === 'function')) issues.push(`${path}.group must be a column name or a function of the row returning the group id`);
  const columns = t.columns;
  if (columns !== undefined && !(Array.isArray(columns) && columns.length > 0 && columns.every((col) => typeof col === 'string' && col !== '') && new Set(columns).size === columns.length)) {
    issues.push(`${path}.columns must be a non-empty array of distinct column names`);
  }
  if (t.filter !== undefined && typeof t.filter !== 'function') issues.push(`${path}.filter must be a function of the row returning true for rows that are items`);
  return {
    schema,
    name,
    qualified: `${schema}.${name}`,
    sql: `"${schema}"."${name}"`,
    stream,
    group: t.group as ResolvedStreamTable['group'],
    id,
    columns: Array.isArray(columns) ? (columns as string[]) : null,
    filter: typeof t.filter === 'function' ? (t.filter as ResolvedStreamTable['filter']) : null,
  };
}
