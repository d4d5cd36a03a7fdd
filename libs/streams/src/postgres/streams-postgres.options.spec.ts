import { StreamsConflictError, StreamsOperationError } from '../errors/streams.errors';
import { classifyFailure } from './outbox/outbox.failure';
import { outboxTable } from './outbox/outbox.table';
import { OUTBOX_DEFAULTS, resolvePostgresOptions } from './streams-postgres.options';

describe('StreamsPostgresModule options', () => {
  it('applies the defaults and derives the table names', () => {
    const resolved = resolvePostgresOptions({ connectionString: 'postgres://x' });
    expect(resolved.outbox).toMatchObject({ ...OUTBOX_DEFAULTS, table: { name: 'streams_outbox', sql: '"streams_outbox"', deadSql: '"streams_outbox_dead"', channel: 'streams_outbox' } });
    expect(outboxTable('app.jobs_outbox')).toMatchObject({ sql: '"app"."jobs_outbox"', deadSql: '"app"."jobs_outbox_dead"', channel: 'app_jobs_outbox' });
    expect(resolvePostgresOptions({ connectionString: 'postgres://x', outbox: false }).outbox).toBeNull();
  });

  it('names every bad field in one error, unknown keys included', () => {
    expect(() => resolvePostgresOptions({ outbox: { table: 'Bad-Name', batchSize: 0, typo: 1, retryMinMs: 100, retryMaxMs: 50 } })).toThrow(
      expect.objectContaining({
        issues: [
          'StreamsPostgresModule: give exactly one of connectionString and pool',
          'StreamsPostgresModule: outbox.typo is not a known option (known: table, relay, batchSize, pollIntervalMs, listen, maxAttempts, retryMinMs, retryMaxMs, transactionHost)',
          expect.stringMatching(/^StreamsPostgresModule: outbox\.table must be a table name/),
          'StreamsPostgresModule: outbox.retryMaxMs must be at least outbox.retryMinMs',
          'StreamsPostgresModule: outbox.batchSize must be an integer from 1 to 10000 (got 0)',
        ],
      }),
    );
  });
});

describe('outbox failures', () => {
  const limits = { maxAttempts: 3, retryMinMs: 100, retryMaxMs: 250 };

  it('dead-letters a refused write at once, retries anything else with a doubling, capped delay, then dead-letters it', () => {
    expect(classifyFailure(new StreamsConflictError('exists', '1:1'), 0, limits)).toMatchObject({ outcome: 'dead', code: 'exists' });
    const down = new StreamsOperationError('set', new Error('redis down'));
    expect([0, 1].map((attempts) => classifyFailure(down, attempts, limits))).toEqual([
      { outcome: 'retry', code: 'STREAM_SET_ERROR', message: 'stream set failed: redis down', delayMs: 100 },
      { outcome: 'retry', code: 'STREAM_SET_ERROR', message: 'stream set failed: redis down', delayMs: 200 },
    ]);
    expect(classifyFailure(down, 2, limits).outcome).toBe('dead');
    expect(classifyFailure(down, 1, { ...limits, maxAttempts: 10, retryMaxMs: 150 })).toMatchObject({ delayMs: 150 });
  });
});
