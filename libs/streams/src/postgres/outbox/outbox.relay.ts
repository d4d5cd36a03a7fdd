import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { StreamsService } from '../../service/streams.service';
import type { ResolvedOutboxOptions } from '../streams-postgres.options';
import { STREAMS_OUTBOX_OPTIONS, STREAMS_POSTGRES_POOL } from '../postgres.tokens';
import type { OutboxOperation } from './outbox.entry';
import { StreamsOutboxError } from './outbox.errors';
import { classifyFailure, type OutboxFailure } from './outbox.failure';
import { OutboxListener } from './outbox.listener';
import { OutboxMetrics } from './outbox.metrics';
import type { OutboxTable } from './outbox.table';

interface OutboxRow {
  id: string;
  stream_name: string;
  group_id: string;
  group_hash: number;
  operation: OutboxOperation;
  payload: Record<string, unknown>;
  attempts: number;
  /** Seconds since the row was written. */
  age: number;
}

type Outcome = { row: OutboxRow; failure: OutboxFailure | null };

/**
 * One pass opens its transaction and reads, in id order, at most `batchSize` rows of the groups whose relay
 * lock it gets (a group is relayed by one pass at a time, on any instance), leaving out groups whose head row
 * waits for a retry. FOR UPDATE skips rows another pass removed since this statement's snapshot was taken.
 * One round trip: no parameters (the limit is a validated integer), so both statements go as one query.
 */
function beginSql(t: OutboxTable, batchSize: number): string {
  return `BEGIN; SELECT id::text AS id, stream_name, group_id, group_hash, operation, payload, attempts,
  extract(epoch FROM clock_timestamp() - created_at)::float8 AS age
FROM ${t.sql} o
WHERE NOT EXISTS (SELECT 1 FROM ${t.sql} w WHERE w.group_hash = o.group_hash AND w.retry_at > clock_timestamp())
  AND pg_try_advisory_xact_lock(${t.relayLock}, o.group_hash)
ORDER BY o.id LIMIT ${Math.trunc(batchSize)} FOR UPDATE`;
}

/**
 * Passes in flight at once on one instance. Only one reads at a time; the next starts as soon as the previous
 * one has its rows, so rows committed while a pass applies and removes its own wait for one read, not for the
 * whole pass. Each holds a connection until it commits.
 */
const MAX_PASSES = 2;

/** One pass: whether another pass read rows while this one held its groups (it may have skipped some). */
interface Pass {
  overlapped: boolean;
}

/**
 * The outbox relay (SPEC §10, docs/reference/postgres.md "Outbox"): applies each committed row through StreamsService
 * with `<table>:<id>` as its idempotency key, in id order per group (which the writers' group lock makes
 * commit order), then removes it in the same transaction that held the group. A crash anywhere before that
 * commit leaves the row, and the next pass applies it again: the key turns the repeat into a replay
 * (nothing published twice) as long as it comes within `idempotency.ttlMs`. Woken by NOTIFY and by polling.
 */
@Injectable()
export class OutboxRelay implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('StreamsOutbox');
  private begin = '';
  private listener: OutboxListener | null = null;
  private poller: NodeJS.Timeout | undefined;
  private readonly passes = new Map<Pass, Promise<void>>();
  /** A pass is reading its rows (the next one waits for that, not for the pass). */
  private reading = false;
  /** Rows may be waiting that no pass in flight will read: start one when the read in progress is done. */
  private again = false;
  private stopped = false;
  private failure: string | null = null;

  constructor(
    @Inject(STREAMS_OUTBOX_OPTIONS) private readonly outbox: ResolvedOutboxOptions | null,
    @Inject(STREAMS_POSTGRES_POOL) private readonly pool: Pool,
    private readonly streams: StreamsService,
    private readonly metrics: OutboxMetrics,
  ) {}

  /** The relay's options; only called once the outbox is known to be on. */
  private get options(): ResolvedOutboxOptions {
    return this.outbox!;
  }

  /** The tables come from the migration, never from here: without them the app does not start. */
  async onModuleInit(): Promise<void> {
    if (!this.outbox) return;
    const { table } = this.outbox;
    const { rows } = await this.pool.query<{ outbox: boolean; dead: boolean }>('SELECT to_regclass($1) IS NOT NULL AS outbox, to_regclass($2) IS NOT NULL AS dead', [table.sql, table.deadSql]);
    if (rows[0].outbox && rows[0].dead) return;
    throw new StreamsOutboxError(
      'outbox_table_missing',
      `the outbox table ${table.name}${rows[0].outbox ? '_dead' : ''} does not exist: run the outbox migration first (outboxMigration(${JSON.stringify(table.name)}).up or migrateOutbox() from nest-realtime-streams/postgres; docs/reference/postgres.md, "Migration")`,
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.outbox?.relay) return;
    this.begin = beginSql(this.outbox.table, this.outbox.batchSize);
    const wake = () => this.wake();
    this.poller = setInterval(wake, this.options.pollIntervalMs);
    if (this.options.listen) {
      this.listener = new OutboxListener(this.pool, this.options.table.channel, wake, this.options.pollIntervalMs, this.logger);
      await this.listener.start();
    } else {
      this.wake();
    }
  }

  /** Stops waking, lets the passes in flight finish (their rows are applied and removed), closes the listener. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.poller);
    await Promise.all(this.passes.values());
    await this.listener?.stop();
  }

  /** Why the last pass failed on PostgreSQL, or null while passes succeed (the health indicator reads it). */
  get problem(): string | null {
    return this.failure;
  }

  /** Starts a pass, or has one start once the read in progress is done: notifications during a pass are not lost. */
  private wake(): void {
    if (this.stopped) return;
    if (this.reading || this.passes.size >= MAX_PASSES) {
      this.again = true;
      return;
    }
    this.again = false;
    const pass: Pass = { overlapped: false };
    for (const other of this.passes.keys()) other.overlapped = true;
    this.passes.set(
      pass,
      this.run(pass).finally(() => {
        this.passes.delete(pass);
        if (this.again) this.wake();
      }),
    );
  }

  private async run(pass: Pass): Promise<void> {
    try {
      await this.pass(pass);
      if (this.failure) this.logger.log('outbox: relay passes succeed again');
      this.failure = null;
    } catch (error) {
      this.metrics.passFailed();
      const message = error instanceof Error ? error.message : String(error);
      if (!this.failure) this.logger.error(`outbox: relay pass failed (${message}); trying again every ${this.options.pollIntervalMs} ms`);
      this.failure = message;
      // Bounded retry rate: the next pass comes with the poll timer or a notification, not at once.
      this.again = false;
    }
  }

  /**
   * One pass in one transaction. Once it has its rows the next pass may start: at once when rows may be
   * waiting (a full batch, or a wake-up meanwhile). A pass that another one overlapped has the relay go
   * round again once it is done: that one skipped this one's groups, whose newer rows no pass may hold now.
   */
  private async pass(pass: Pass): Promise<void> {
    let client: PoolClient | undefined;
    let broken: Error | undefined;
    // A connection lost between two queries reports here; the next query fails the pass.
    const lost = (error: Error) => (broken = error);
    try {
      this.reading = true;
      let rows: OutboxRow[];
      try {
        client = await this.pool.connect();
        client.on('error', lost);
        const results = (await client.query(this.begin)) as unknown as Array<{ rows: OutboxRow[] }>;
        rows = results[1].rows;
      } finally {
        this.reading = false;
      }
      if (rows.length === this.options.batchSize) this.again = true;
      if (this.again) this.wake();
      this.metrics.lag(rows.reduce((oldest, row) => Math.max(oldest, row.age), 0));
      const outcomes = await this.applyAll(rows);
      await this.settle(client, outcomes);
      if (pass.overlapped) this.again = true;
    } catch (error) {
      broken = error as Error;
      await client?.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client?.off('error', lost);
      client?.release(broken);
    }
  }

  /** Groups in parallel, each group's rows in order; a group stops at its first row that must be retried. */
  private async applyAll(rows: OutboxRow[]): Promise<Outcome[]> {
    const groups = new Map<number, OutboxRow[]>();
    for (const row of rows) groups.set(row.group_hash, [...(groups.get(row.group_hash) ?? []), row]);
    const outcomes: Outcome[] = [];
    await Promise.all(
      [...groups.values()].map(async (group) => {
        for (const row of group) {
          const failure = await this.apply(row);
          outcomes.push({ row, failure });
          if (failure?.outcome === 'retry') return;
        }
      }),
    );
    return outcomes;
  }

  private async apply(row: OutboxRow): Promise<OutboxFailure | null> {
    const call = { ...row.payload, stream_name: row.stream_name, group_id: row.group_id, idempotency_key: `${this.options.table.name}:${row.id}` };
    try {
      await this.streams[row.operation](call as never);
      this.metrics.applied(row.operation, row.age);
      return null;
    } catch (error) {
      const failure = classifyFailure(error, row.attempts, this.options);
      this.metrics.failed(failure.outcome);
      const where = `row ${row.id} (${row.operation} ${JSON.stringify(row.stream_name)}/${JSON.stringify(row.group_id)})`;
      if (failure.outcome === 'dead') this.logger.error(`outbox: ${where} moved to ${this.options.table.name}_dead after attempt ${row.attempts + 1}: ${failure.message}`);
      else this.logger.warn(`outbox: ${where} failed (attempt ${row.attempts + 1}, again in ${failure.delayMs} ms; its group waits): ${failure.message}`);
      return failure;
    }
  }

  /** Dead rows move to the dead-letter table, retried rows wait, applied rows go; then the pass commits. */
  private async settle(client: PoolClient, outcomes: Outcome[]): Promise<void> {
    const t = this.options.table;
    for (const { row, failure } of outcomes) {
      if (failure?.outcome === 'dead') {
        await client.query(
          `WITH moved AS (DELETE FROM ${t.sql} WHERE id = $1 RETURNING *)
INSERT INTO ${t.deadSql} (id, stream_name, group_id, operation, payload, created_at, attempts, error_code, error)
SELECT id, stream_name, group_id, operation, payload, created_at, attempts + 1, $2, $3 FROM moved`,
          [row.id, failure.code, failure.message],
        );
      } else if (failure) {
        await client.query(`UPDATE ${t.sql} SET attempts = attempts + 1, retry_at = clock_timestamp() + $2 * interval '1 millisecond', last_error = $3 WHERE id = $1`, [
          row.id,
          failure.delayMs,
          failure.message,
        ]);
      }
    }
    // Ids are bigint text from the database: inlined, so the delete and the commit take one round trip.
    const done = outcomes.filter((o) => o.failure === null).map((o) => o.row.id);
    await client.query(done.length > 0 ? `DELETE FROM ${t.sql} WHERE id IN (${done.join(',')}); COMMIT` : 'COMMIT');
  }
}
