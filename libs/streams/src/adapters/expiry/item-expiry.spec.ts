import { startSweeps } from './item-expiry';

describe('startSweeps', () => {
  it('stopping waits for the sweep in flight and does not report the error it ends with (a closed connection)', async () => {
    let fail: (error: Error) => void = () => undefined;
    let started = 0;
    const errors: unknown[] = [];
    const stop = startSweeps({ intervalMs: 5, batch: 1 }, () => {
      started++;
      return new Promise((_, reject) => (fail = reject));
    }, (error) => errors.push(error));
    while (started === 0) await new Promise((r) => setTimeout(r, 5));
    let stopped = false;
    const stopping = stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(stopped).toBe(false);
    fail(new Error('Connection is closed.'));
    await stopping;
    expect(errors).toEqual([]);
    expect(started).toBe(1);
  });

  it('reports a failed sweep while running, and sweeps again at the next tick', async () => {
    let calls = 0;
    const errors: unknown[] = [];
    const stop = startSweeps({ intervalMs: 5, batch: 1 }, async () => {
      calls++;
      if (calls === 1) throw new Error('boom');
    }, (error) => errors.push(error));
    while (calls < 2) await new Promise((r) => setTimeout(r, 5));
    await stop();
    expect(errors).toEqual([new Error('boom')]);
  });
});
