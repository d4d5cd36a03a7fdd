import type { Pool } from 'pg';
import { StreamsOptionsError } from '../errors/streams.errors';
import { bool, int, type Issues, isRecord, unknownKeys } from '../options/streams-options.resolver';
import { outboxTable, type OutboxTable } from './outbox/outbox.table';

/** `StreamsPostgresModule.forRoot({...})`: where PostgreSQL is, and the outbox's settings (docs/reference/postgres.md). */
export interface StreamsPostgresModuleOptions {
  /** A `postgres://` URL; the module opens (and closes) its own small pool. Give this or `pool`. */
  connectionString?: string;
  /** The app's own `pg.Pool`; the module uses it and leaves it open on shutdown. */
  pool?: Pool;
  /** The transactional outbox (SPEC §10); on by default. `false` turns it off (no writer, no relay). */
  outbox?: StreamsOutboxOptions | false;
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

const KNOWN = {
  options: ['connectionString', 'pool', 'outbox'],
  outbox: [...Object.keys(OUTBOX_DEFAULTS), 'transactionHost'],
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
