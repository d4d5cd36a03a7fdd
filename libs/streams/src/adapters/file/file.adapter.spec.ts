import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeAdapterContract } from '../../../../../test/shared/adapter-contract';
import { FileStreamAdapter } from './file.adapter';
import { listen } from '../../../../../test/support/hub-listener';

const dirs: string[] = [];
const freshDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'file-adapter-'));
  dirs.push(dir);
  return dir;
};
const cleanup = async (): Promise<void> => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
};

describeAdapterContract('file', {
  create: (history, idempotency, expiry) => FileStreamAdapter.open({ type: 'file', path: freshDir() }, history, idempotency, expiry),
  reopen: async (adapter) => {
    await adapter.close();
    return FileStreamAdapter.open({ type: 'file', path: dirs[dirs.length - 1] });
  },
  heldGroups: async (adapter) => (adapter as FileStreamAdapter).heldGroups(),
  cleanup,
  ordered: true,
  keysBoundedInTotal: true,
});

describe('FileStreamAdapter', () => {
  afterEach(async () => {
    jest.restoreAllMocks();
    await cleanup();
  });

  it('idempotency bounds hold across a restart: the records\' index is rebuilt from the stored order', async () => {
    const path = freshDir();
    const limits = { ttlMs: 300_000, maxKeysPerGroup: 3, maxKeys: 4 };
    const tick = (groupId: string) => ({ streamName: 's', groupId, id: null, event: { type: 'event' as const, event: { type: 'tick', data: 1 } } });
    const once = (key: string) => ({ key, fingerprint: 'f' });
    let adapter = await FileStreamAdapter.open({ type: 'file', path }, undefined, limits);
    await adapter.publish(tick('other'), once('o'));
    for (let i = 0; i < 3; i++) await adapter.publish(tick('g'), once(`k${i}`));
    await adapter.close();
    adapter = await FileStreamAdapter.open({ type: 'file', path }, undefined, limits);
    try {
      // The group is at its bound: k3 evicts k0. The store is at its total bound: a third group's record evicts the oldest overall ('o').
      await adapter.publish(tick('g'), once('k3'));
      await adapter.publish(tick('third'), once('x'));
      for (const [group, key] of [['g', 'k1'], ['g', 'k3'], ['third', 'x']]) await expect(adapter.publish(tick(group), once(key))).resolves.toBeNull();
      expect(await adapter.publish(tick('g'), once('k0'))).not.toBeNull();
      expect(await adapter.publish(tick('other'), once('o'))).not.toBeNull();
    } finally {
      await adapter.close();
    }
  });

  it.each(['commit', 'flush'] as const)('restores every stream, group and item after a restart (durability %s)', async (durability) => {
    const path = join(freshDir(), 'nested.dir');
    const long = 'x'.repeat(70);
    const first = await FileStreamAdapter.open({ type: 'file', path, durability });
    await first.set('s', 'g', 'b', { n: 1 });
    await first.set('s', 'g', 'a', [1, 2]);
    await first.update('s', 'g', 'c', [{ type: 'increment', path: 'n', by: 3 }]);
    await first.set('s', 'g', 'b', 'overwritten keeps its place');
    await first.set('s', 'gone', 'i', 1);
    await first.delete('s', 'gone', 'i');
    // Names that would collide on disk without escaping: a 0 byte is LMDB's key-part separator.
    await first.set(`${long}\u0000y`, 'g', 'i', 'A');
    await first.set(long, 'y\u0000g', 'i', 'B');
    await first.set('a:b', '\u007f\u001f', 'i\u0000', 'C');
    await first.close();

    const second = await FileStreamAdapter.open({ type: 'file', path, durability });
    try {
      await expect(second.list('s', 'g')).resolves.toEqual(['overwritten keeps its place', [1, 2], { n: 3 }]);
      await expect(second.get('s', 'g', 'c')).resolves.toEqual({ n: 3 });
      await expect(second.get(`${long}\u0000y`, 'g', 'i')).resolves.toBe('A');
      await expect(second.get(long, 'y\u0000g', 'i')).resolves.toBe('B');
      await expect(second.get('a:b', '\u007f\u001f', 'i\u0000')).resolves.toBe('C');
      await expect(second.listGroups('s')).resolves.toEqual(['g']);
      await expect(second.listGroups(long)).resolves.toEqual(['y\u0000g']);
      await expect(second.listAll()).resolves.toEqual([
        { id: 'a:b', groups: ['\u007f\u001f'] },
        { id: 's', groups: ['g'] },
        { id: long, groups: ['y\u0000g'] },
        { id: `${long}\u0000y`, groups: ['g'] },
      ]);
      // A new item of a restored group goes after the restored ones.
      await second.set('s', 'g', 'd', 4);
      await expect(second.list('s', 'g')).resolves.toEqual(['overwritten keeps its place', [1, 2], { n: 3 }, 4]);
    } finally {
      await second.close();
    }
  });

  it('never repeats or goes back on a timestamp across a restart, even with the system clock set back', async () => {
    const path = freshDir();
    const first = await FileStreamAdapter.open({ type: 'file', path });
    const before = (await first.publish({ streamName: 's', groupId: 'g', id: null, event: { type: 'event', event: { type: 't', data: 1 } } }))!.frame.timestamp;
    await first.close();
    jest.spyOn(Date, 'now').mockReturnValue(before - 60_000);
    const second = await FileStreamAdapter.open({ type: 'file', path });
    try {
      const after = (await second.set('s', 'g', 'i', 1)).envelope;
      expect(after!.frame.timestamp).toBeGreaterThan(before);
      expect(after!.seq).toBe(1);
      expect((await second.position('s', 'g')).timestamp).toBeGreaterThan(after!.frame.timestamp);
    } finally {
      await second.close();
    }
  });

  it('a keyed write that fails midway leaves its records as they were, the index of them too (bounds still hold)', async () => {
    const path = freshDir();
    const tick = { streamName: 's', groupId: 'g', id: null, event: { type: 'event' as const, event: { type: 'tick', data: 1 } } };
    const once = (key: string) => ({ key, fingerprint: 'f' });
    const adapter = await FileStreamAdapter.open({ type: 'file', path }, undefined, { ttlMs: 300_000, maxKeysPerGroup: 2, maxKeys: 100 });
    try {
      await adapter.publish(tick, once('k0'));
      await adapter.publish(tick, once('k1'));
      // The group is at its bound: k2 evicts k0, writes its record, then fails on its order entry.
      const store = (adapter as unknown as { db: { putSync(key: unknown, value: string): void } }).db;
      const putSync = store.putSync.bind(store);
      jest.spyOn(store, 'putSync').mockImplementation((key, value) => {
        if ((key as unknown[])[0] === 'io') throw new Error('disk says no');
        putSync(key, value);
      });
      await expect(adapter.publish(tick, once('k2'))).rejects.toThrow('disk says no');
      jest.restoreAllMocks();

      // Rolled back: k0 and k1 are recorded, the group is at its bound, so k2 evicts k0 again.
      expect(await adapter.publish(tick, once('k2'))).not.toBeNull();
      await expect(adapter.publish(tick, once('k1'))).resolves.toBeNull();
      await expect(adapter.publish(tick, once('k2'))).resolves.toBeNull();
      expect(await adapter.publish(tick, once('k0'))).not.toBeNull();
    } finally {
      await adapter.close();
    }
  });

  it('a write that fails midway leaves nothing behind, publishes nothing and rejects naming the store', async () => {
    const path = freshDir();
    const adapter = await FileStreamAdapter.open({ type: 'file', path });
    try {
      await adapter.set('s', 'g', 'keep', 1);
      const seen: unknown[] = [];
      await listen(adapter, 's', 'g', (e) => seen.push(e.frame.event));
      // The group index and insertion records are written first; the failure hits the value record.
      const store = (adapter as unknown as { db: { putSync(key: unknown, value: string): void } }).db;
      const putSync = store.putSync.bind(store);
      jest.spyOn(store, 'putSync').mockImplementation((key, value) => {
        if ((key as unknown[])[0] === 'v') throw new Error('disk says no');
        putSync(key, value);
      });
      await expect(adapter.set('s', 'g', 'new', 2)).rejects.toThrow(`File stream store ${path}: disk says no`);
      await expect(adapter.update('s', 'g', 'keep', [{ type: 'increment', path: 'n', by: 1 }])).rejects.toThrow('disk says no');
      jest.restoreAllMocks();

      await expect(adapter.get('s', 'g', 'new')).resolves.toBeNull();
      await expect(adapter.list('s', 'g')).resolves.toEqual([1]);
      expect(seen).toEqual([]);
      // The group's item count was rolled back too: deleting the one real item empties the group.
      const removed = await adapter.delete('s', 'g', 'keep');
      expect(removed.envelope?.seq).toBe(2);
      await expect(adapter.listAll()).resolves.toEqual([]);
      expect(seen).toEqual([{ type: 'delete', data: 1 }]);
    } finally {
      await adapter.close();
    }
  });

  it('rejects every call after close with an error naming the store, and frees the store for the next open', async () => {
    const path = freshDir();
    const adapter = await FileStreamAdapter.open({ type: 'file', path });
    const pending = adapter.set('s', 'g', 'i', 'written before close');
    await adapter.close();
    await expect(pending).resolves.toMatchObject({ new_value: 'written before close' });
    const closed = `File stream store ${path}: the store is closed`;
    await expect(adapter.set('s', 'g', 'i', 1)).rejects.toThrow(closed);
    await expect(adapter.get('s', 'g', 'i')).rejects.toThrow(closed);
    await expect(adapter.snapshot('s', 'g', null)).rejects.toThrow(closed);
    await expect(adapter.ping()).rejects.toThrow(closed);
    await expect(adapter.close()).resolves.toBeUndefined();

    const reopened = await FileStreamAdapter.open({ type: 'file', path });
    await expect(reopened.get('s', 'g', 'i')).resolves.toBe('written before close');
    await reopened.close();
  });

  it('refuses a second adapter on the same directory in this process', async () => {
    const path = freshDir();
    const adapter = await FileStreamAdapter.open({ type: 'file', path });
    try {
      await expect(FileStreamAdapter.open({ type: 'file', path })).rejects.toThrow(`File stream store ${path} is already open in this process`);
    } finally {
      await adapter.close();
    }
  });
});
