/**
 * Resolves once `check()` holds, polled every few ms; rejects after `ms`, naming `what`. The one way tests
 * wait for something asynchronous (a frame, a handler, a metric) instead of sleeping.
 */
export async function waitFor(check: () => boolean | Promise<boolean>, { ms = 5000, what = 'a condition' }: { ms?: number; what?: string } = {}): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
