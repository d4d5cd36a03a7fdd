import type { Logger } from '@nestjs/common';
import type { Pool } from 'pg';
import type { ResolvedCaptureOptions } from '../streams-postgres.options';
import type { ResolvedStreamTable } from './capture.mapping';
import { StreamsCaptureError } from './capture.errors';

interface TableFacts {
  found: boolean;
  columns: string[];
  /** The columns an update's or delete's old row carries: the key (REPLICA IDENTITY DEFAULT/INDEX), all (FULL), none (NOTHING). */
  identity: string[];
  replident: string;
}

const TABLE_FACTS = `SELECT c.relreplident AS replident,
  array(SELECT attname::text FROM pg_attribute WHERE attrelid = c.oid AND attnum > 0 AND NOT attisdropped ORDER BY attnum) AS columns,
  array(SELECT a.attname::text FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
        WHERE i.indrelid = c.oid AND ((c.relreplident = 'd' AND i.indisprimary) OR (c.relreplident = 'i' AND i.indisreplident))) AS identity
FROM pg_class c WHERE c.oid = to_regclass($1)`;

/**
 * What change capture needs before it starts, checked (and the publication and slot made) at bootstrap so a
 * missing setting fails the app with what to do, not the consumer later: `wal_level=logical`, the declared
 * tables and columns, a replica identity that carries each item's group and id on deletes, the publication
 * (one per module, listing every declared table) and the durable slot. Instances starting together take
 * turns under an advisory lock.
 */
export async function prepareCapture(pool: Pool, options: ResolvedCaptureOptions, logger: Logger): Promise<void> {
  const { rows } = await pool.query<{ wal_level: string }>('SHOW wal_level');
  const walLevel = rows[0].wal_level;
  if (walLevel !== 'logical') {
    throw new StreamsCaptureError(
      'capture_wal_level',
      `change capture needs wal_level=logical, and this PostgreSQL server has wal_level=${walLevel}: set wal_level = logical in postgresql.conf (or ALTER SYSTEM SET wal_level = logical) and restart the server (docs/postgres.md, "Change capture")`,
    );
  }
  for (const table of options.tables) checkTable(table, await tableFacts(pool, table));
  const client = await pool.connect();
  const lock = `streams-capture-setup:${options.slot}`;
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [lock]);
    await ensurePublication(client, options);
    await ensureSlot(client, options, logger);
  } finally {
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [lock]).catch(() => undefined);
    client.release();
  }
}

async function tableFacts(pool: Pool, table: ResolvedStreamTable): Promise<TableFacts> {
  const { rows } = await pool.query<{ replident: string; columns: string[]; identity: string[] }>(TABLE_FACTS, [table.sql]);
  if (rows.length === 0) return { found: false, columns: [], identity: [], replident: 'n' };
  const { replident, columns, identity } = rows[0];
  return { found: true, columns, replident, identity: replident === 'f' ? columns : replident === 'n' ? [] : identity };
}

const IDENTITY_NAMES: Record<string, string> = { d: 'DEFAULT (the primary key)', i: 'USING INDEX', f: 'FULL', n: 'NOTHING' };

function checkTable(table: ResolvedStreamTable, facts: TableFacts): void {
  const where = `capture: table ${table.qualified} (stream ${table.stream})`;
  if (!facts.found) throw new StreamsCaptureError('capture_table_missing', `${where} does not exist: create it (your migrations) before the app starts`);
  const named = [table.id, ...(typeof table.group === 'string' ? [table.group] : []), ...(table.columns ?? [])];
  const missing = named.filter((column) => !facts.columns.includes(column));
  if (missing.length > 0) throw new StreamsCaptureError('capture_column_missing', `${where} has no column ${missing.join(', ')} (its columns: ${facts.columns.join(', ')})`);
  const needed = [table.id, ...(typeof table.group === 'string' ? [table.group] : [])];
  const lacking = needed.filter((column) => !facts.identity.includes(column));
  if (lacking.length === 0) return;
  const identity = IDENTITY_NAMES[facts.replident] ?? facts.replident;
  const carried = facts.identity.length > 0 ? `only ${facts.identity.join(', ')}` : 'no column';
  throw new StreamsCaptureError(
    'capture_replica_identity',
    `${where}: a delete carries only the table's replica identity, ${identity}, which is ${carried}; the item's ${lacking.join(' and ')} would be unknown. Run ALTER TABLE ${table.sql} REPLICA IDENTITY FULL (or add a primary key holding them)`,
  );
}

async function ensurePublication(client: { query: Pool['query'] }, options: ResolvedCaptureOptions): Promise<void> {
  const wanted = [...new Set(options.tables.map((t) => t.qualified))].sort();
  const list = [...new Set(options.tables.map((t) => t.sql))].join(', ');
  const { rows } = await client.query<{ exists: boolean; tables: string[] }>(
    `SELECT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = $1) AS exists,
  array(SELECT schemaname || '.' || tablename FROM pg_publication_tables WHERE pubname = $1 ORDER BY 1) AS tables`,
    [options.publication],
  );
  // Truncates are not published: a TRUNCATE names no rows to delete (docs/postgres.md).
  if (!rows[0].exists) await client.query(`CREATE PUBLICATION "${options.publication}" FOR TABLE ${list} WITH (publish = 'insert, update, delete')`);
  else if (rows[0].tables.join() !== wanted.join()) await client.query(`ALTER PUBLICATION "${options.publication}" SET TABLE ${list}`);
}

async function ensureSlot(client: { query: Pool['query'] }, options: ResolvedCaptureOptions, logger: Logger): Promise<void> {
  const { rows } = await client.query<{ plugin: string; wal_status: string | null; database: string; here: string }>(
    'SELECT plugin, wal_status, database, current_database() AS here FROM pg_replication_slots WHERE slot_name = $1',
    [options.slot],
  );
  if (rows.length === 0) {
    await client.query("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [options.slot]);
    logger.warn(`capture: created the replication slot ${options.slot}; changes committed from now on are captured (none before)`);
    return;
  }
  // Slot names are the server's, a slot decodes one database: another app's slot must not be taken over.
  if (rows[0].database !== rows[0].here) {
    throw new StreamsCaptureError('capture_slot_lost', `capture: the replication slot ${options.slot} belongs to database ${rows[0].database}, not ${rows[0].here}: choose another capture.slot`);
  }
  if (rows[0].plugin !== 'pgoutput') throw new StreamsCaptureError('capture_slot_lost', `capture: the replication slot ${options.slot} exists but decodes with ${rows[0].plugin}, not pgoutput: choose another capture.slot`);
  if (rows[0].wal_status === 'lost') {
    throw new StreamsCaptureError(
      'capture_slot_lost',
      `capture: the replication slot ${options.slot} has lost WAL it needed (it fell behind more than max_slot_wal_keep_size): changes were lost. Drop it (SELECT pg_drop_replication_slot('${options.slot}')) to start again from now, and re-sync the streams`,
    );
  }
}
