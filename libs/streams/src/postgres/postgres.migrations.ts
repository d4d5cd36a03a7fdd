import { outboxTable } from './outbox/outbox.table';

/** A migration's SQL: `up` creates, `down` drops. Each is one multi-statement text, runnable as one query. */
export interface StreamsMigration {
  up: string;
  down: string;
}

/**
 * The outbox tables (docs/reference/postgres.md, "Migration"): the outbox and its dead letters. Run `up` from your
 * migration tool (TypeORM `queryRunner.query(up)`, Kysely/Drizzle `sql.raw(up)`, plain SQL) or with
 * `migrateOutbox()`; the module never creates them itself and fails at start, naming this, when they are
 * missing. `payload` is `json`, not `jsonb`, so item values keep their key order and number text.
 */
export function outboxMigration(table = 'streams_outbox'): StreamsMigration {
  const t = outboxTable(table);
  const up = `CREATE TABLE IF NOT EXISTS ${t.sql} (
  id bigserial PRIMARY KEY,
  stream_name text NOT NULL,
  group_id text NOT NULL,
  group_hash integer NOT NULL,
  operation text NOT NULL CHECK (operation IN ('set', 'update', 'delete', 'send')),
  payload json NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  attempts integer NOT NULL DEFAULT 0,
  retry_at timestamptz,
  last_error text
);
CREATE INDEX IF NOT EXISTS "${t.name.split('.').at(-1)}_retry" ON ${t.sql} (group_hash) WHERE retry_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS ${t.deadSql} (
  id bigint PRIMARY KEY,
  stream_name text NOT NULL,
  group_id text NOT NULL,
  operation text NOT NULL,
  payload json NOT NULL,
  created_at timestamptz NOT NULL,
  attempts integer NOT NULL,
  error_code text,
  error text NOT NULL,
  dead_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
`;
  return { up, down: `DROP TABLE IF EXISTS ${t.deadSql};\nDROP TABLE IF EXISTS ${t.sql};\n` };
}

/** Runs the outbox migration's `up` on a `pg` Pool or Client (or anything with `query(text)`), for apps without a migration tool. */
export async function migrateOutbox(db: { query(text: string): Promise<unknown> }, table = 'streams_outbox'): Promise<void> {
  await db.query(outboxMigration(table).up);
}
