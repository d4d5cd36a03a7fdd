import { type OutboxDeleteInput, outboxEntry, type OutboxOperation, type OutboxSendInput, type OutboxSetInput, type OutboxUpdateInput } from './outbox.entry';
import type { OutboxExecutor } from './outbox.handle';
import type { OutboxTable } from './outbox.table';

/** What an outbox write returns: the row's id, which is also the idempotency key the relay applies it with (`<table>:<id>`). */
export interface OutboxReceipt {
  outbox_id: string;
}

/**
 * One statement per write: take the group's writer lock (held to commit, so a group's rows are numbered in
 * commit order and the relay's id order is commit order), queue a NOTIFY (delivered at commit, dropped at
 * rollback), insert the row.
 */
function insertSql(table: OutboxTable): string {
  return `WITH lock AS (SELECT pg_advisory_xact_lock(${table.writerLock}, $1)), wake AS (SELECT pg_notify('${table.channel}', ''))
INSERT INTO ${table.sql} (stream_name, group_id, group_hash, operation, payload)
SELECT $2, $3, $1, $4, $5::json FROM lock, wake RETURNING id::text AS id`;
}

/**
 * Stream writes stored in the app's transaction (SPEC §10): `set`, `update`, `delete`, `send` take the
 * StreamsService inputs (without `idempotency_key`) and resolve once the row is in the transaction. Nothing
 * is published before the transaction commits, and nothing at all if it rolls back.
 */
export class OutboxWriter {
  private readonly sql: string;

  constructor(
    private readonly execute: OutboxExecutor,
    table: OutboxTable,
  ) {
    this.sql = insertSql(table);
  }

  set<T = unknown>(input: OutboxSetInput<T>): Promise<OutboxReceipt> {
    return this.write('set', input);
  }

  update(input: OutboxUpdateInput): Promise<OutboxReceipt> {
    return this.write('update', input);
  }

  delete(input: OutboxDeleteInput): Promise<OutboxReceipt> {
    return this.write('delete', input);
  }

  send<T = unknown>(input: OutboxSendInput<T>): Promise<OutboxReceipt> {
    return this.write('send', input);
  }

  private async write(operation: OutboxOperation, input: unknown): Promise<OutboxReceipt> {
    const entry = outboxEntry(operation, input);
    const [row] = await this.execute(this.sql, [entry.hash, entry.stream, entry.group, operation, entry.payload]);
    return { outbox_id: row.id as string };
  }
}
