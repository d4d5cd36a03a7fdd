import { commitFailure } from './file-commit.failure';

/** The real failure (a full disk under a running app) is in test/e2e/file-disk-full.e2e-spec.ts. */
describe('commitFailure', () => {
  const lmdbError = (commitError: Promise<unknown>) => Object.assign(new Error('Commit failed (see commitError for details)'), { commitError });

  it('names the cause lmdb-js keeps in `commitError`, keeping it as the cause', async () => {
    const cause = Object.assign(new Error('No space left on device'), { code: 28 });
    const failure = (await commitFailure(lmdbError(Promise.reject(cause)))) as Error;
    expect(failure.message).toBe('commit failed: No space left on device');
    expect(failure.cause).toBe(cause);
  });

  it('returns any other error as it is', async () => {
    const error = new TypeError('the value is not JSON-serialisable');
    await expect(commitFailure(error)).resolves.toBe(error);
    await expect(commitFailure('text')).resolves.toBe('text');
  });

  it('does not wait for a cause that has not settled', async () => {
    const error = lmdbError(new Promise(() => undefined));
    await expect(commitFailure(error)).resolves.toBe(error);
  });
});
