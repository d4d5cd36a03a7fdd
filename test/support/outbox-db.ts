import { Client } from 'pg';
import { migrateOutbox } from 'nest-realtime-streams/postgres';
import type { PgCluster } from './pg-cluster';
import { waitFor } from './wait-for';

let databases = 0;

/** A fresh database on the cluster, with the outbox migration run (unless `migrate: false`) and `setup` SQL; returns its URL. */
export async function outboxDatabase(cluster: PgCluster, { migrate = true, setup = '' }: { migrate?: boolean; setup?: string } = {}): Promise<string> {
  const name = `outbox_${process.pid}_${++databases}`;
  await sql(cluster.url, `CREATE DATABASE ${name}`);
  const url = cluster.urlOf(name);
  if (migrate) await withClient(url, (client) => migrateOutbox(client));
  if (setup) await sql(url, setup);
  return url;
}

export async function withClient<T>(url: string, run: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** Runs one statement (or several, without parameters) on its own connection; resolves with the rows. */
export function sql<R = Record<string, unknown>>(url: string, text: string, values?: unknown[]): Promise<R[]> {
  return withClient(url, async (client) => (await client.query(text, values)).rows as R[]);
}

export const ORDERS_TABLE = 'CREATE TABLE orders (id text PRIMARY KEY, shop text NOT NULL, total int NOT NULL)';

/** Waits until the relay has removed every outbox row: it commits the removal just after it published. */
export async function outboxDrained(url: string): Promise<void> {
  await waitFor(async () => (await sql<{ n: number }>(url, 'SELECT count(*)::int AS n FROM streams_outbox'))[0].n === 0, { what: 'the outbox drained' });
}
