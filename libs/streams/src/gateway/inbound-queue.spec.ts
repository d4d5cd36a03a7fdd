import { InboundQueue } from './inbound-queue';

/** A task the test finishes by hand, recording when it started. */
function gate(log: string[], name: string) {
  let open!: () => void;
  const done = new Promise<void>((r) => (open = r));
  return { task: () => (log.push(name), done), open };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('InboundQueue (per-socket inbound back-pressure)', () => {
  it('runs tasks one at a time in order; pauses the socket at queuedMessagesPerSocket waiting and resumes once under it', async () => {
    const log: string[] = [];
    const source = { pause: jest.fn(() => log.push('pause')), resume: jest.fn(() => log.push('resume')) };
    const queue = new InboundQueue(source, { queuedMessagesPerSocket: 2, payloadBytes: 1000 });
    const [a, b, c] = ['a', 'b', 'c'].map((n) => gate(log, n));
    queue.push(a.task);
    await flush();
    queue.push(b.task);
    queue.push(c.task);
    expect(log).toEqual(['a', 'pause']);
    a.open();
    await flush();
    expect(log).toEqual(['a', 'pause', 'resume', 'b']);
    b.open();
    c.open();
    await flush();
    expect(log).toEqual(['a', 'pause', 'resume', 'b', 'c']);
  });

  it('pauses on bytes too: waiting messages never hold more than payloadBytes before the socket stops being read', async () => {
    const source = { pause: jest.fn(), resume: jest.fn() };
    const queue = new InboundQueue(source, { queuedMessagesPerSocket: 100, payloadBytes: 1000 });
    const log: string[] = [];
    const first = gate(log, 'first');
    queue.push(first.task);
    await flush();
    queue.push(async () => undefined, 600);
    expect(source.pause).not.toHaveBeenCalled();
    queue.push(async () => undefined, 400);
    expect(source.pause).toHaveBeenCalledTimes(1);
    first.open();
  });

  it('close() drops every waiting task at once and runs the cleanup after the task in flight; later pushes are ignored', async () => {
    const log: string[] = [];
    const queue = new InboundQueue({ pause: () => undefined, resume: () => undefined }, { queuedMessagesPerSocket: 64, payloadBytes: 1 << 20 });
    const running = gate(log, 'running');
    queue.push(running.task);
    await flush();
    for (let i = 0; i < 1000; i++) queue.push(async () => void log.push('queued join'));
    queue.close(async () => void log.push('cleanup'));
    queue.push(async () => void log.push('after close'));
    expect(queue.size).toBe(1);
    await flush();
    expect(log).toEqual(['running']);
    running.open();
    await flush();
    expect(log).toEqual(['running', 'cleanup']);
  });
});
