/**
 * lmdb-js rejects every job of a failed commit with a generic `Commit failed (see commitError for details)`
 * and keeps the cause in a separate promise, `error.commitError`, that nothing else handles: left alone,
 * its rejection goes unhandled and Node ends the process. This takes the cause, handling that promise; the
 * caller must call it as soon as the job is rejected (in the same turn), before Node reports rejections.
 *
 * A full disk shows as `ENOSPC` (No space left on device), or as `EIO` (Input/output error) when the
 * kernel wrote part of LMDB's pages: LMDB reports a short write that way.
 */
export async function commitFailure(error: unknown): Promise<unknown> {
  const detail = (error as { commitError?: PromiseLike<unknown> } | null)?.commitError;
  if (typeof detail?.then !== 'function') return error;
  // lmdb-js rejects the cause right after the jobs, so it is settled by now; racing it against a settled
  // promise reads it without ever waiting on one that does not settle.
  const cause = await Promise.race([detail, Promise.resolve(undefined)]).then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (cause === undefined) return error;
  return new Error(`commit failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
}
