import { Client } from 'pg';
import { describePostgres, PgCluster } from '../support/pg-cluster';

describePostgres('throwaway PostgreSQL cluster (test support)', () => {
  let pg: PgCluster;
  beforeAll(async () => {
    pg = await PgCluster.start();
  }, 60_000);
  afterAll(async () => {
    await pg?.dispose();
  });

  it('runs with wal_level=logical on its own port, and comes back after a crash', async () => {
    const query = async (sql: string) => {
      const client = new Client({ connectionString: pg.url });
      await client.connect();
      try {
        return (await client.query(sql)).rows;
      } finally {
        await client.end();
      }
    };
    expect(pg.port).not.toBe(5432);
    expect(await query('SHOW wal_level')).toEqual([{ wal_level: 'logical' }]);
    await query('CREATE TABLE t (id int primary key)');
    await query('INSERT INTO t VALUES (1)');
    await pg.stop('SIGKILL');
    expect(pg.running).toBe(false);
    await pg.restart();
    expect(await query('SELECT id FROM t')).toEqual([{ id: 1 }]);
  }, 60_000);
});
