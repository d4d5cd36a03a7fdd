import type { MutateMessage } from 'nest-realtime-streams-protocol';
import { MemoryMutationQueueStore } from './mutation-queue.store';
import { MutationQueue, type MutationPort } from './mutation.queue';

const flush = () => new Promise((resolve) => setImmediate(resolve));

function setup(positions: Record<string, string | null> = {}) {
  const sent: MutateMessage[] = [];
  let open = true;
  const port: MutationPort = {
    send: (m) => open && sent.push(m) > 0,
    position: (s, g) => positions[`${s}/${g}`],
    changed: () => undefined,
    settled: () => undefined,
    failed: () => undefined,
  };
  const queue = new MutationQueue(new MemoryMutationQueueStore(), port, 'c1');
  queue.opened();
  return { queue, sent, positions, setOpen: (value: boolean) => (open = value) };
}

const change = (itemId: string, value: unknown) => ({ streamName: 's', groupId: 'g', itemId, ops: [{ type: 'set' as const, path: 'v', value }] });

describe('MutationQueue', () => {
  it('lays pending changes over the mirror in order and rebases them on a new mirror; updates never recreate a deleted item', async () => {
    const { queue } = setup();
    await flush();
    void queue.mutate('a', null, [change('x', 1)]);
    void queue.mutate('b', null, [change('x', 2), change('y', 3)]);
    const base = new Map([['x', { v: 0, keep: true }]]);
    expect([...queue.view('s', 'g', base)]).toEqual([['x', { v: 2, keep: true }]]);
    // The server changed x meanwhile: the layers apply to the new value.
    expect(queue.view('s', 'g', new Map([['x', { v: 9, other: 1 }]])).get('x')).toEqual({ v: 2, other: 1 });
    expect(queue.view('s', 'g', new Map()).size).toBe(0);
    expect(queue.view('s', 'other', base)).toBe(base);
    expect(queue.isPending('s', 'g', 'y')).toBe(true);
  });

  it('sends in id order once stored, again on each new socket, and again after a refusal that asks for it', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate'] });
    try {
      const { queue, sent, setOpen } = setup();
      await flush();
      void queue.mutate('a', 1, []);
      void queue.mutate('b', 2, []);
      await flush();
      expect(sent.map((m) => m.mutationId)).toEqual([1, 2]);
      setOpen(false);
      queue.closed();
      setOpen(true);
      queue.opened();
      expect(sent.map((m) => m.mutationId)).toEqual([1, 2, 1, 2]);
      queue.answered({ type: 'mutation', mutationId: 1, status: 'rejected', error: { code: 'busy', message: '', retry: true } });
      jest.runOnlyPendingTimers();
      expect(sent.map((m) => m.mutationId)).toEqual([1, 2, 1, 2, 1, 2]);
      queue.answered({ type: 'mutation', mutationId: 1, status: 'ok' });
      queue.answered({ type: 'mutation', mutationId: 1, status: 'ok' }); // a duplicate answer changes nothing
      expect(queue.pending).toBe(1);
    } finally {
      jest.useRealTimers();
    }
  });

  it('keeps an applied layer until the mirror reaches its position; a rejected one goes at once', async () => {
    const { queue, positions } = setup({ 's/g': 'e:4' });
    await flush();
    const ok = queue.mutate('a', null, [change('x', 1)]);
    const bad = queue.mutate('b', null, [change('x', 2)]).catch((e: Error) => e.message);
    queue.answered({ type: 'mutation', mutationId: 2, status: 'rejected', error: { code: 'forbidden', message: 'no' } });
    await expect(bad).resolves.toMatch(/forbidden/);
    queue.answered({ type: 'mutation', mutationId: 1, status: 'ok', position: 'e:6', writes: [{ streamName: 's', groupId: 'g', position: 'e:6' }] });
    await expect(ok).resolves.toEqual({ mutationId: 1, result: undefined, position: 'e:6' });
    expect(queue.view('s', 'g', new Map([['x', {}]])).get('x')).toEqual({ v: 1 });
    positions['s/g'] = 'e:5';
    queue.mirrorMoved('s', 'g');
    expect(queue.pending).toBe(1);
    positions['s/g'] = 'e:6';
    queue.mirrorMoved('s', 'g');
    expect(queue.pending).toBe(0);
  });

  it('a store that cannot load starts a fresh queue under a new client id and says so', async () => {
    const failures: string[] = [];
    const sent: MutateMessage[] = [];
    const port: MutationPort = { send: (m) => sent.push(m) > 0, position: () => undefined, changed: () => undefined, settled: () => undefined, failed: (m) => failures.push(m) };
    const broken = { load: () => Promise.reject(new Error('no IndexedDB')), add: () => Promise.resolve(), remove: () => Promise.resolve() };
    const queue = new MutationQueue(broken, port, 'given');
    queue.opened();
    void queue.mutate('a', null, []);
    await flush();
    expect(failures).toEqual([expect.stringMatching(/could not be loaded \(Error: no IndexedDB\)/)]);
    expect(sent).toEqual([expect.objectContaining({ mutationId: 1, name: 'a' })]);
    expect(sent[0].clientId).not.toBe('given');
  });
});
