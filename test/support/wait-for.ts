/**
 * Resolves once `check()` holds, polled every `everyMs`; rejects after `ms`, naming `what` (a function when the
 * message needs what was seen by then, e.g. a child's output). The one way tests wait for something
 * asynchronous (a frame, a handler, a metric) instead of sleeping.
 */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  { ms = 5000, what = 'a condition', everyMs = 5 }: { ms?: number; what?: string | (() => string); everyMs?: number } = {},
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
