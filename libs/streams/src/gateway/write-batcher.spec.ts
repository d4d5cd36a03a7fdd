import { type BatchedWriter, WriteBatcher } from './write-batcher';

const turn = () => new Promise((r) => setImmediate(r));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Windows long enough that a loaded machine does not end them between two turns of a test. */
const WINDOW = 100;
/** A turn that keeps the event loop busy for `ms`, as one message's fan-out to thousands of sockets does. */
const longTurn = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

/** Writers that log when they are scheduled and flushed, so a test reads which frames shared a flush. */
function recorder() {
  const log: string[] = [];
  const writer = (name: string): BatchedWriter => ({ flush: () => log.push(`flush ${name}`) });
  return { log, writer };
}

describe('WriteBatcher (writes.delayMs)', () => {
  it('0: the writers of one turn are flushed together once the turn has ended, never during it; the next turn is a new flush', async () => {
    const { log, writer } = recorder();
    const batcher = new WriteBatcher(0);
    batcher.schedule(writer('a'));
    batcher.schedule(writer('b'));
    expect(log).toEqual([]);
    await turn();
    batcher.schedule(writer('c'));
    await turn();
    expect(log).toEqual(['flush a', 'flush b', 'flush c']);
  });

  it('a window, quiet: a frame after a quiet spell leaves at the end of its turn, it does not wait the window', async () => {
    const { log, writer } = recorder();
    const batcher = new WriteBatcher(WINDOW);
    batcher.schedule(writer('a'));
    await turn();
    expect(log).toEqual(['flush a']);
    // Quiet again once a whole window has passed since that flush.
    await sleep(WINDOW * 1.5);
    batcher.schedule(writer('b'));
    await turn();
    expect(log).toEqual(['flush a', 'flush b']);
  });

  it('a window, busy: frames that follow a flush within the window wait for it, and the next turns join them', async () => {
    const { log, writer } = recorder();
    const batcher = new WriteBatcher(WINDOW);
    batcher.schedule(writer('a'));
    await turn();
    batcher.schedule(writer('b'));
    await turn();
    batcher.schedule(writer('c'));
    await turn();
    expect(log).toEqual(['flush a']);
    await sleep(WINDOW * 1.5);
    expect(log).toEqual(['flush a', 'flush b', 'flush c']);
  });

  it('the window starts when the turn ends: a turn longer than the window is still joined by the next turn (issue 17, 5,000 sockets)', async () => {
    const { log, writer } = recorder();
    const batcher = new WriteBatcher(WINDOW);
    batcher.schedule(writer('warm-up'));
    await turn();
    // Busy now. This turn outlasts the window; a window counted from its first frame would be due at its end.
    batcher.schedule(writer('a'));
    longTurn(WINDOW * 1.5);
    await turn();
    log.push('next turn');
    batcher.schedule(writer('b'));
    await sleep(WINDOW * 1.5);
    expect(log).toEqual(['flush warm-up', 'next turn', 'flush a', 'flush b']);
  });
});
