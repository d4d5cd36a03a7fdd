import { RedisWriteOrder } from './redis-write.order';

/** A refusal as the scripts answer it: `wait` ms. */
class ClockWait extends Error {
  constructor(readonly wait: number) {
    super(`wait ${wait}`);
  }
}

/**
 * A fake server with WRITE_GATE's rule: while `closed`, the clock refuses a write and holds it; later
 * tickets are refused while the held one has not passed (and is still awaited: not below `oldest`).
 */
function fakeServer() {
  const state = { closed: false, hold: null as number | null, applied: [] as number[], sent: [] as Array<[number, number]> };
  const send = (ticket: number, oldest: number) => {
    state.sent.push([ticket, oldest]);
    if (state.hold !== null && state.hold < oldest) state.hold = null;
    if (state.hold !== null && ticket > state.hold) return Promise.reject(new ClockWait(0));
    if (state.closed) {
      if (state.hold === null || ticket < state.hold) state.hold = ticket;
      return Promise.reject(new ClockWait(5));
    }
    if (state.hold === ticket) state.hold = null;
    state.applied.push(ticket);
    return Promise.resolve([ticket]);
  };
  return { state, send };
}

describe('RedisWriteOrder (call order of one instance’s writes to a group under the clock cap)', () => {
  const clockWait = (error: unknown) => (error instanceof ClockWait ? error.wait : null);

  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('sends at once while nothing waits, each write with the oldest unanswered ticket of its group', async () => {
    const { state, send } = fakeServer();
    const order = new RedisWriteOrder(clockWait);
    await Promise.all([order.run('g', send), order.run('g', send), order.run('other', send)]);
    expect(state.sent).toEqual([
      [1, 1],
      [2, 1],
      [3, 3],
    ]);
  });

  it('writes refused by the clock, and those called after them, are applied in call order once it allows', async () => {
    const { state, send } = fakeServer();
    const order = new RedisWriteOrder(clockWait);
    state.closed = true;
    const first = Array.from({ length: 5 }, () => order.run('g', send));
    await jest.advanceTimersByTimeAsync(0);
    const later = Array.from({ length: 5 }, () => order.run('g', send));
    // Queued behind the waiting ones: not sent while they wait.
    expect(state.sent.map(([t]) => t)).toEqual([1, 2, 3, 4, 5]);
    state.closed = false;
    await jest.advanceTimersByTimeAsync(100);
    await expect(Promise.all([...first, ...later])).resolves.toEqual(Array.from({ length: 10 }, (_, i) => [i + 1]));
    expect(state.applied).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
  });

  it('a waiting write that fails for another reason is given up and holds nothing back', async () => {
    const { state, send } = fakeServer();
    const order = new RedisWriteOrder(clockWait);
    state.closed = true;
    const failing = order.run('g', (ticket, oldest) => (state.sent.length > 0 ? Promise.reject(new Error('down')) : send(ticket, oldest)));
    const next = order.run('g', send);
    const rejected = expect(failing).rejects.toThrow('down');
    await jest.advanceTimersByTimeAsync(0);
    state.closed = false;
    await jest.advanceTimersByTimeAsync(100);
    await rejected;
    await expect(next).resolves.toEqual([2]);
    expect(state.applied).toEqual([2]);
  });
});
