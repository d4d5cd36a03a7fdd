import { assertPeerInstalled } from '../../errors/missing-peer.error';
import { StreamsOutboxError } from './outbox.errors';

/* eslint-disable @typescript-eslint/no-explicit-any -- the handles' own signatures are generic or overloaded; these shapes only have to accept them */

/** A `pg` Client/PoolClient in a transaction, a TypeORM `EntityManager` or `QueryRunner` in one: `query(text, values)`. */
export interface SqlQueryable {
  query(text: string, values?: any[]): Promise<unknown>;
}

/** A Kysely `Transaction` (from `db.transaction().execute(tx => ...)`). */
export interface KyselyTransactionLike {
  readonly isTransaction: boolean;
  executeQuery(query: any): Promise<{ rows: unknown[] }>;
}

/** A Drizzle transaction (from `db.transaction(tx => ...)`), any PostgreSQL driver. */
export interface DrizzleTransactionLike {
  execute(query: any): PromiseLike<unknown>;
  rollback(): never;
}

/**
 * The app's open transaction, as its database library hands it out. Only the shape matters, so no ORM is a
 * dependency of this library.
 */
export type OutboxHandle = SqlQueryable | KyselyTransactionLike | DrizzleTransactionLike;

/** Runs one parameterized statement (`$1`, `$2`... placeholders) in the handle's transaction; resolves with its rows. */
export type OutboxExecutor = (text: string, values: unknown[]) => Promise<Array<Record<string, unknown>>>;

type Rows = Array<Record<string, unknown>>;

/** Node-postgres answers `{ rows }`, TypeORM and postgres.js an array of rows. */
function rowsOf(result: unknown): Rows {
  return (Array.isArray(result) ? result : (result as { rows: Rows }).rows) as Rows;
}

const notInTransaction = (what: string) =>
  new StreamsOutboxError('outbox_not_in_transaction', `${what} is not an open transaction: pass the handle your transaction callback gets, so the outbox row commits or rolls back with it`);

/**
 * How to run SQL in the handle's transaction, from its shape: Kysely (`executeQuery` + `isTransaction`),
 * Drizzle (`execute` + `rollback`), else anything with `query()` (pg, TypeORM). Handles that are plainly not
 * a transaction (a pool, a database object, an EntityManager outside `transaction()`) are refused, since a
 * write through them would commit on its own.
 */
export function outboxExecutor(handle: OutboxHandle): OutboxExecutor {
  const h = handle as unknown as Record<string, any>;
  if (h === null || typeof h !== 'object') throw new StreamsOutboxError('outbox_unknown_handle', `not a transaction handle: ${String(handle)}`);
  if (typeof h.executeQuery === 'function') {
    if (h.isTransaction !== true) throw notInTransaction('This Kysely instance');
    return async (text, values) => rowsOf(await h.executeQuery(kyselyRaw(text, values)));
  }
  if (typeof h.execute === 'function') {
    if (typeof h.rollback !== 'function') throw notInTransaction('This Drizzle database');
    return async (text, values) => rowsOf(await h.execute(drizzleRaw(text, values)));
  }
  if (typeof h.query !== 'function') throw new StreamsOutboxError('outbox_unknown_handle', 'not a transaction handle: expected a pg client, a TypeORM EntityManager or QueryRunner, a Kysely or Drizzle transaction');
  if (typeof h.totalCount === 'number') throw notInTransaction('A pg Pool');
  if (h['@instanceof'] === Symbol.for('EntityManager') && h.queryRunner?.isTransactionActive !== true) throw notInTransaction('This TypeORM EntityManager');
  if (typeof h.isTransactionActive === 'boolean' && !h.isTransactionActive) throw notInTransaction('This TypeORM QueryRunner');
  return async (text, values) => rowsOf(await h.query(text, values));
}

/** Kysely's `CompiledQuery.raw(text, values)`, built by shape so kysely need not be loadable from here. */
function kyselyRaw(sql: string, parameters: unknown[]): unknown {
  return { sql, parameters, query: { kind: 'RawNode', sqlFragments: [sql], parameters: [] }, queryId: { queryId: 'streams-outbox' } };
}

/** Drizzle's `sql` template over the text split at its `$n` placeholders; drizzle-orm is there, the handle came from it. */
function drizzleRaw(text: string, values: unknown[]): unknown {
  assertPeerInstalled('drizzle-orm', 'A Drizzle transaction handle');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only for Drizzle handles
  const { sql } = require('drizzle-orm') as { sql: ((strings: TemplateStringsArray, ...params: unknown[]) => unknown) & { param(value: unknown): unknown } };
  const parts = text.split(/\$\d+/);
  const params = [...text.matchAll(/\$(\d+)/g)].map((match) => sql.param(values[Number(match[1]) - 1]));
  return sql(Object.assign([...parts], { raw: parts }) as unknown as TemplateStringsArray, ...params);
}
