import { Client } from 'pg';
import { ChildLines } from '../support/child-lines';
import { outboxDatabase, outboxDrained, sql } from '../support/outbox-db';
import { describePostgres, PgCluster } from '../support/pg-cluster';
import { deletePrefix, describeRedis, freePort, REDIS_URL, uniquePrefix } from '../support/redis';
import { ResumingWatcher } from '../support/resuming-watcher';
import { waitFor } from '../support/wait-for';

/*
 * SPEC §10 / issue 26: kill -9 of the app process at each point of an outbox write's life. The app runs
 * as a child process (test/support/outbox-crash.app.ts) on Redis, so the items, the history a subscriber
 * resumes from and the idempotency records outlive it; a subscriber that resumes across restarts must see
 * every committed write exactly once, and nothing that did not commit. The `marks` table, written in the
 * same transactions, says which writes committed.
 */
describePostgres('outbox: kill -9 of the app at each point', () => {
  describeRedis('on Redis', () => {
    let cluster: PgCluster;
    let url: string;
    let port: number;
    const prefix = uniquePrefix('outbox-crash');
    const GROUPS = ['g0', 'g1', 'g2'];
    let app: ChildLines | null = null;
    let watcher: ResumingWatcher;

    beforeAll(async () => {
      cluster = await PgCluster.start();
      url = await outboxDatabase(cluster, { setup: 'CREATE TABLE marks (n int PRIMARY KEY)' });
      port = await freePort();
    }, 60_000);
    afterAll(async () => {
      watcher?.stop();
      await app?.kill();
      await cluster?.dispose();
      await deletePrefix(prefix);
    });

    async function boot(relay: 'on' | 'off'): Promise<ChildLines> {
      app = ChildLines.start('outbox-crash.app.ts', [url, REDIS_URL, prefix, String(port), relay]);
      expect(await app.next()).toBe('ready');
      return app;
    }
    const outboxRows = async () => (await sql<{ n: number }>(url, 'SELECT count(*)::int AS n FROM streams_outbox'))[0].n;
    const committed = async () => (await sql<{ n: number }>(url, 'SELECT n FROM marks ORDER BY n')).map((r) => r.n);
    /** Every committed write seen exactly once, nothing else, never a re-sync. */
    async function expectExactlyOnce(): Promise<void> {
      const marks = await committed();
      await waitFor(() => watcher.total >= marks.length, { ms: 15_000, what: `${marks.length} events` });
      await new Promise((r) => setTimeout(r, 300));
      const seen = GROUPS.flatMap((g) => watcher.marks(g)).sort((a, b) => a - b);
      expect({ seen, resyncs: watcher.resyncs }).toEqual({ seen: marks, resyncs: 0 });
    }

    it('before commit, after commit before the relay, during the relay, after publish before the delete: each committed write is delivered once', async () => {
      await boot('on');
      watcher = new ResumingWatcher([`ws://127.0.0.1:${port}`], 'crash', GROUPS);
      watcher.start();
      // Joined before the first commit, or a write relayed first would arrive in the sync's data, not as an event.
      await waitFor(() => watcher.joined, { what: 'the watcher joined' });
      app!.send('commit', '0', '3');
      await app!.until(() => app!.lines.filter((l) => l.startsWith('committed')).length === 3);
      await expectExactlyOnce();

      // 1. Before commit: the transaction dies with the process; its write never shows.
      app!.send('hold', '100');
      await app!.until(() => app!.lines.includes('holding\t100'));
      await app!.kill();

      // 2. After commit, before any relay ran: the rows wait in the table for the next relay.
      await boot('off');
      app!.send('commit', '200', '20');
      await app!.until(() => app!.lines.filter((l) => l.startsWith('committed')).length === 20);
      await app!.kill();
      expect(await outboxRows()).toBe(20);

      // 3. During the relay: killed while it works through a burst of commits.
      await boot('on');
      app!.send('commit', '300', '400');
      await waitFor(() => watcher.total >= 60, { ms: 15_000, what: 'the relay under way' });
      await app!.kill();
      expect((await committed()).includes(100)).toBe(false);

      // 4. After publish, before the delete: a lock keeps the relay's DELETE waiting after it published;
      //    the process dies there, and its DELETE never runs.
      await boot('on');
      await expectExactlyOnce();
      await app!.kill();
      await boot('off');
      app!.send('commit', '800', '5');
      await app!.until(() => app!.lines.filter((l) => l.startsWith('committed')).length === 5);
      await app!.kill();
      const blocker = new Client({ connectionString: url });
      await blocker.connect();
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE streams_outbox IN SHARE MODE');
      const before = watcher.total;
      await boot('on');
      await waitFor(() => watcher.total >= before + 5, { ms: 15_000, what: 'the 5 writes published' });
      await app!.kill();
      await sql(url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'DELETE FROM \"streams_outbox\"%' AND pid <> pg_backend_pid()");
      await blocker.query('ROLLBACK');
      await blocker.end();
      expect(await outboxRows()).toBe(5);

      // After the last restart: the 5 rows are applied again with their keys (replays, nothing published).
      await boot('on');
      await outboxDrained(url);
      await expectExactlyOnce();
    }, 120_000);
  });
});
