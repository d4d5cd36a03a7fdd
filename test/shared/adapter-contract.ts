import { formatPosition } from 'nest-realtime-streams-protocol';
import type { StreamAdapter, StreamEnvelope } from '../../libs/streams/src/adapters/stream-adapter.interface';
import { MAX_CLOCK_LEAD_MS } from '../../libs/streams/src/adapters/history/group-clock';
import type { HistoryLimits } from '../../libs/streams/src/adapters/history/group-log';
import type { IdempotencyLimits, IdempotentWrite } from '../../libs/streams/src/adapters/idempotency/idempotent-write';
import type { ExpiryLimits } from '../../libs/streams/src/adapters/expiry/item-expiry';
import { StreamsConflictError, StreamsIdempotencyError } from '../../libs/streams/src/errors/streams.errors';
import { listen } from '../support/hub-listener';
import { waitFor } from '../support/wait-for';

/** What a backend needs to join the shared adapter suite. */
export interface AdapterHarness {
  /** A fresh, empty adapter (keeping `history` per group for resume, `idempotency` records and sweeping `expiry`, else the defaults). */
  create(history?: HistoryLimits, idempotency?: IdempotencyLimits, expiry?: ExpiryLimits): Promise<StreamAdapter>;
  /** The groups the backend holds any state for (positions, history, items, keys), sorted. */
  heldGroups(adapter: StreamAdapter): Promise<string[]>;
  /** A second adapter on the same backend as the last `create()` (another app instance), if the backend shares state. */
  peer?(): Promise<StreamAdapter>;
  /** Closes `adapter` and opens its backend again (a process restart), if the backend keeps data across one. */
  reopen?(adapter: StreamAdapter): Promise<StreamAdapter>;
  /** Removes whatever the test left in the backend. */
  cleanup?(): Promise<void>;
  /** Whether `list` keeps insertion order (memory and file do; a Redis hash does not). */
  ordered: boolean;
  /** Whether idempotency records are bounded in total as well as per group (the in-process adapters). */
  keysBoundedInTotal: boolean;
}

/**
 * The behaviour every StreamAdapter must have (SPEC §3.1, §3.2, §4.3, §5). Each backend's spec calls this
 * once; backend-specific guarantees (durability, reconnects) live in that backend's own spec.
 */
export function describeAdapterContract(name: string, harness: AdapterHarness): void {
  describe(`StreamAdapter contract: ${name}`, () => {
    let adapter: StreamAdapter;
    const others: StreamAdapter[] = [];

    beforeEach(async () => {
      adapter = await harness.create();
    });

    afterEach(async () => {
      for (const a of others.splice(0)) await a.close();
      await adapter.close();
      await harness.cleanup?.();
    });

    const sort = (values: unknown[]) => [...values].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

    it('get of a missing item is null', async () => {
      await expect(adapter.get('s', 'g', 'missing')).resolves.toBeNull();
    });

    it('set creates then updates, returning the old value and publishing create then update', async () => {
      const first = await adapter.set('s', 'g', 'i', { n: 1 });
      expect(first.old_value).toBeNull();
      expect(first.new_value).toEqual({ n: 1 });
      expect(first.envelope!.frame).toMatchObject({ type: 'stream', streamName: 's', groupId: 'g', id: 'i', event: { type: 'create', data: { n: 1 } } });
      const second = await adapter.set('s', 'g', 'i', { n: 2 });
      expect(second.old_value).toEqual({ n: 1 });
      expect(second.envelope!.frame.event).toEqual({ type: 'update', data: { n: 2 } });
      await expect(adapter.get('s', 'g', 'i')).resolves.toEqual({ n: 2 });
    });

    it('stores any JSON value, null included, and a stored null reads as null', async () => {
      for (const [item, value] of [['str', 'text'], ['num', 1.5], ['arr', [1, 'a', null]], ['bool', false], ['nil', null]] as const) {
        await adapter.set('s', 'g', item, value);
        await expect(adapter.get('s', 'g', item)).resolves.toEqual(value);
      }
    });

    it('delete returns the removed value, publishes delete, and is a no-op for a missing item', async () => {
      await adapter.set('s', 'g', 'i', { a: 1 });
      const removed = await adapter.delete('s', 'g', 'i');
      expect(removed.old_value).toEqual({ a: 1 });
      expect(removed.envelope?.frame.event).toEqual({ type: 'delete', data: { a: 1 } });
      const again = await adapter.delete('s', 'g', 'i');
      expect(again).toEqual({ old_value: null, version: null, envelope: null });
      await expect(adapter.get('s', 'g', 'i')).resolves.toBeNull();
    });

    it('lists a group (insertion order where the backend keeps one) and [] for an unknown group', async () => {
      await adapter.set('s', 'g', 'b', 2);
      await adapter.set('s', 'g', 'a', 1);
      await adapter.set('s', 'g', 'c', 3);
      await adapter.set('s', 'g', 'b', 22);
      const values = await adapter.list('s', 'g');
      if (harness.ordered) expect(values).toEqual([22, 1, 3]);
      else expect(sort(values)).toEqual(sort([22, 1, 3]));
      await expect(adapter.list('s', 'nope')).resolves.toEqual([]);
    });

    it('listGroups and listAll show only groups holding items; listAll is sorted by stream and group', async () => {
      await adapter.set('zeta', 'g2', 'i', 1);
      await adapter.set('zeta', 'g1', 'i', 1);
      await adapter.set('alpha', 'x', 'i', 1);
      await adapter.set('alpha', 'gone', 'i', 1);
      await adapter.delete('alpha', 'gone', 'i');
      expect((await adapter.listGroups('zeta')).sort()).toEqual(['g1', 'g2']);
      expect(await adapter.listGroups('alpha')).toEqual(['x']);
      expect(await adapter.listGroups('unknown')).toEqual([]);
      expect(await adapter.listAll()).toEqual([
        { id: 'alpha', groups: ['x'] },
        { id: 'zeta', groups: ['g1', 'g2'] },
      ]);
    });

    it('names may hold ":" and any character without leaking across streams or groups', async () => {
      await adapter.set('a:b', 'c', 'i', 'first');
      await adapter.set('a', 'b:c', 'i', 'second');
      await adapter.set('a', 'b', 'c:i', 'third');
      await adapter.set('ünï cødé 🚀', 'grüp/\\*?[x]', 'it em\n"q"', 'fourth');
      await expect(adapter.get('a:b', 'c', 'i')).resolves.toBe('first');
      await expect(adapter.get('a', 'b:c', 'i')).resolves.toBe('second');
      await expect(adapter.get('a', 'b', 'c:i')).resolves.toBe('third');
      await expect(adapter.get('a', 'b', 'i')).resolves.toBeNull();
      await expect(adapter.list('a', 'b')).resolves.toEqual(['third']);
      expect((await adapter.listGroups('a')).sort()).toEqual(['b', 'b:c']);
      expect(await adapter.listGroups('a:b')).toEqual(['c']);
      await expect(adapter.get('ünï cødé 🚀', 'grüp/\\*?[x]', 'it em\n"q"')).resolves.toBe('fourth');
      expect(await adapter.listAll()).toEqual([
        { id: 'a', groups: ['b', 'b:c'] },
        { id: 'a:b', groups: ['c'] },
        { id: 'ünï cødé 🚀', groups: ['grüp/\\*?[x]'] },
      ]);
    });

    it('empty names (iii accepts them) are names like any other, distinct from every other name', async () => {
      const frames: StreamEnvelope[] = [];
      await listen(adapter, '', '', (e) => frames.push(e));
      await adapter.set('', '', '', 'all empty');
      await adapter.set('', '', 'i', 'empty stream and group');
      await adapter.set('', 'g', '', 'empty stream and item');
      await adapter.set('s', '', '', 'empty group and item');
      await adapter.set('s', 'g', '', 'empty item');
      await adapter.set('s', 'g', 'i', 'no empty name');
      await expect(adapter.get('', '', '')).resolves.toBe('all empty');
      await expect(adapter.get('', 'g', '')).resolves.toBe('empty stream and item');
      await expect(adapter.get('s', '', '')).resolves.toBe('empty group and item');
      await expect(adapter.get('s', 'g', '')).resolves.toBe('empty item');
      expect(sort(await adapter.list('', ''))).toEqual(sort(['all empty', 'empty stream and group']));
      expect(sort(await adapter.list('s', 'g'))).toEqual(sort(['empty item', 'no empty name']));
      expect((await adapter.listGroups('')).sort()).toEqual(['', 'g']);
      expect((await adapter.listGroups('s')).sort()).toEqual(['', 'g']);
      expect(await adapter.listAll()).toEqual([
        { id: '', groups: ['', 'g'] },
        { id: 's', groups: ['', 'g'] },
      ]);
      await expect(adapter.snapshot('', '', '')).resolves.toMatchObject({ data: 'all empty' });
      await waitFor(() => frames.length === 2);
      expect(frames.map((e) => [e.frame.streamName, e.frame.groupId, e.frame.id])).toEqual([
        ['', '', ''],
        ['', '', 'i'],
      ]);
      await expect(adapter.delete('', '', '')).resolves.toMatchObject({ old_value: 'all empty' });
      await expect(adapter.delete('s', '', '')).resolves.toMatchObject({ old_value: 'empty group and item' });
      expect(await adapter.listGroups('s')).toEqual(['g']);
      await expect(adapter.get('', '', 'i')).resolves.toBe('empty stream and group');
    });

    it('update applies ops atomically, creating a missing item and reporting failed ops', async () => {
      const created = await adapter.update('s', 'g', 'i', [{ type: 'increment', path: 'n', by: 2 }]);
      expect(created).toMatchObject({ old_value: null, new_value: { n: 2 }, errors: [] });
      expect(created.envelope!.frame.event).toEqual({ type: 'create', data: { n: 2 } });
      const updated = await adapter.update('s', 'g', 'i', [
        { type: 'increment', path: 'n', by: 1 },
        { type: 'set', path: 'n2', value: 'x' },
        { type: 'increment', path: 'n2', by: 1 },
      ]);
      expect(updated.old_value).toEqual({ n: 2 });
      expect(updated.new_value).toEqual({ n: 3, n2: 'x' });
      expect(updated.errors.map((e) => [e.op_index, e.code])).toEqual([[2, 'increment.not_number']]);
      expect(updated.envelope!.frame.event).toEqual({ type: 'update', data: { n: 3, n2: 'x' } });
    });

    it('500 concurrent increments on one item give exactly 500', async () => {
      await Promise.all(Array.from({ length: 500 }, () => adapter.update('s', 'g', 'counter', [{ type: 'increment', path: 'n', by: 1 }])));
      await expect(adapter.get('s', 'g', 'counter')).resolves.toEqual({ n: 500 });
    });

    it('frame timestamps strictly increase and seq counts up by one per event of a group, sends included', async () => {
      const envelopes: StreamEnvelope[] = [];
      for (let i = 0; i < 200; i++) {
        envelopes.push(i % 2 ? (await adapter.set('s', 'g', `i${i}`, i)).envelope! : (await adapter.publish({ streamName: 's', groupId: 'g', id: null, event: { type: 'event', event: { type: 'tick', data: i } } }))!);
      }
      for (let i = 1; i < envelopes.length; i++) {
        expect(envelopes[i].frame.timestamp).toBeGreaterThan(envelopes[i - 1].frame.timestamp);
        expect(envelopes[i].seq).toBe(envelopes[i - 1].seq + 1);
      }
    });

    it('publish stores nothing and creates no group', async () => {
      const env = await adapter.publish({ streamName: 'only-events', groupId: 'g', id: 'x', event: { type: 'event', event: { type: 'ping', data: null } } });
      expect(env!.frame).toMatchObject({ type: 'stream', streamName: 'only-events', groupId: 'g', id: 'x' });
      expect(await adapter.listGroups('only-events')).toEqual([]);
      expect(await adapter.listAll()).toEqual([]);
    });

    it('subscribe delivers every frame of its group, in order, and nothing of other groups; unsubscribe stops it', async () => {
      const seen: StreamEnvelope[] = [];
      const unsubscribe = await listen(adapter, 's', 'g', (e) => seen.push(e));
      await adapter.set('s', 'other', 'i', 0);
      await adapter.set('s:g', 'g', 'i', 0);
      for (let i = 0; i < 20; i++) await adapter.set('s', 'g', 'i', i);
      await adapter.delete('s', 'g', 'i');
      await waitFor(() => seen.length >= 21);
      expect(seen.map((e) => e.frame.event.type)).toEqual(['create', ...Array(19).fill('update'), 'delete']);
      expect(seen.every((e) => e.frame.streamName === 's' && e.frame.groupId === 'g')).toBe(true);
      await unsubscribe();
      await adapter.set('s', 'g', 'after', 1);
      await new Promise((r) => setTimeout(r, 50));
      expect(seen).toHaveLength(21);
    });

    it('listener isolation: a throwing listener neither fails the write (the value is stored) nor keeps the next listener from its frame', async () => {
      const seen: StreamEnvelope[] = [];
      await listen(adapter, 's', 'g', () => {
        throw new Error('listener failed');
      });
      await listen(adapter, 's', 'g', (e) => seen.push(e));
      await expect(adapter.set('s', 'g', 'i', 1)).resolves.toMatchObject({ new_value: 1 });
      await adapter.set('s', 'g', 'i', 2);
      await waitFor(() => seen.length >= 2);
      expect(seen.map((e) => e.frame.event)).toEqual([{ type: 'create', data: 1 }, { type: 'update', data: 2 }]);
      await expect(adapter.get('s', 'g', 'i')).resolves.toBe(2);
    });

    it('snapshot reads a group or an item together with its position; later events have a higher seq and timestamp', async () => {
      await adapter.set('s', 'g', 'a', 1);
      const last = (await adapter.set('s', 'g', 'b', 2)).envelope;
      const group = await adapter.snapshot('s', 'g', null);
      expect(harness.ordered ? group.data : sort(group.data as unknown[])).toEqual([1, 2]);
      expect(group.seq).toBe(last!.seq);
      expect(group.timestamp).toBeGreaterThan(last!.frame.timestamp);
      const item = await adapter.snapshot('s', 'g', 'a');
      expect(item.data).toBe(1);
      await expect(adapter.snapshot('s', 'g', 'missing')).resolves.toMatchObject({ data: null });
      const next = (await adapter.set('s', 'g', 'c', 3)).envelope;
      expect(next!.seq).toBe(group.seq + 1);
      expect(next!.frame.timestamp).toBeGreaterThan(item.timestamp);
      const position = await adapter.position('s', 'g');
      expect(position.seq).toBe(next!.seq);
      expect(position.timestamp).toBeGreaterThan(next!.frame.timestamp);
    });

    it('positions carry an epoch; history replays the events after a seq of that epoch, and nothing of another', async () => {
      const first = (await adapter.set('s', 'g', 'a', 1)).envelope;
      expect(typeof first!.epoch).toBe('string');
      await adapter.set('s', 'g', 'b', 2);
      await adapter.publish({ streamName: 's', groupId: 'g', id: null, event: { type: 'event', event: { type: 'e', data: 3 } } });
      await adapter.set('s', 'other', 'x', 0);
      const replay = await adapter.history!('s', 'g', first!.epoch!, first!.seq);
      expect(replay!.envelopes.map((e) => e.seq)).toEqual([first!.seq + 1, first!.seq + 2]);
      expect(replay!.envelopes.map((e) => e.frame.event)).toEqual([
        { type: 'create', data: 2 },
        { type: 'event', event: { type: 'e', data: 3 } },
      ]);
      expect(replay!.position).toMatchObject({ seq: first!.seq + 2, epoch: first!.epoch });
      await expect(adapter.history!('s', 'g', first!.epoch!, first!.seq + 2)).resolves.toMatchObject({ envelopes: [] });
      await expect(adapter.history!('s', 'g', 'another-epoch', first!.seq)).resolves.toBeNull();
      await expect(adapter.history!('s', 'g', first!.epoch!, first!.seq + 99)).resolves.toBeNull();
      const snapshot = await adapter.snapshot('s', 'g', null);
      expect(snapshot.epoch).toBe(first!.epoch);
    });

    it('values handed in or out are copies: mutating them never changes the store', async () => {
      const value = { nested: { n: 1 } };
      const result = await adapter.set('s', 'g', 'i', value);
      value.nested.n = 99;
      (result.new_value as typeof value).nested.n = 98;
      const read = (await adapter.get('s', 'g', 'i')) as typeof value;
      expect(read).toEqual({ nested: { n: 1 } });
      read.nested.n = 97;
      await expect(adapter.get('s', 'g', 'i')).resolves.toEqual({ nested: { n: 1 } });
    });

    describe('per-group state is freed once idle', () => {
      const event = (groupId: string) => ({ streamName: 's', groupId, id: null, event: { type: 'event' as const, event: { type: 'e', data: null } } });

      it('a position read (what a rejected join asks for) stores nothing', async () => {
        for (let i = 0; i < 20; i++) await adapter.position('s', `rejected-${i}`);
        await expect(adapter.history!('s', 'rejected-0', 'any', 0)).resolves.toBeNull();
        expect(await harness.heldGroups(adapter)).toEqual([]);
      });

      it('frees a group with no items, no subscriber and an expired history; keeps the others', async () => {
        await adapter.close();
        adapter = await harness.create({ size: 10, maxAgeMs: 1000 });
        await adapter.set('s', 'kept', 'i', 1);
        await listen(adapter, 's', 'watched', () => undefined);
        const joined = await adapter.snapshot('s', 'watched', null);
        const before: StreamEnvelope[] = [];
        for (let i = 0; i < 20; i++) {
          await adapter.set('s', `emptied-${i}`, 'i', i);
          before.push((await adapter.delete('s', `emptied-${i}`, 'i')).envelope!);
          await adapter.publish(event(`sent-${i}`));
          await adapter.snapshot('s', `joined-${i}`, null);
        }
        expect((await harness.heldGroups(adapter)).length).toBeGreaterThanOrEqual(41);
        await waitFor(async () => (await harness.heldGroups(adapter)).join() === 'kept,watched', { ms: 8000 });
        const watched = await adapter.snapshot('s', 'watched', null);
        expect(watched.epoch).toBe(joined.epoch);

        // A freed group starts over: a new history (resumes re-sync) and timestamps past every old one.
        const after = (await adapter.set('s', 'emptied-0', 'i', 'again')).envelope;
        expect(after!.epoch).not.toBe(before[0].epoch);
        expect(after!.frame.timestamp).toBeGreaterThan(before[0].frame.timestamp);
        await expect(adapter.history!('s', 'emptied-0', before[0].epoch!, before[0].seq)).resolves.toBeNull();
      });
    });

    describe('timestamps: strictly increasing per group, bounded lead over the wall clock', () => {
      /** Largest `timestamp - Date.now()` seen as each write resolves (a lower bound of the true lead). */
      const lead = (timestamps: Array<[number, number]>) => Math.max(...timestamps.map(([ts, now]) => ts - now));
      const publish = async (groupId: string): Promise<[StreamEnvelope, number]> => {
        const envelope = await adapter.publish({ streamName: 's', groupId, id: null, event: { type: 'event', event: { type: 'e', data: null } } });
        return [envelope!, Date.now()];
      };

      it('writes spread over many groups never run ahead: 5,000 at full speed over 1,000 groups lead by < 5 ms', async () => {
        // Each group gets 5 events, so its own clock can run at most 4 ms ahead, however fast they come.
        const results = await Promise.all(Array.from({ length: 5000 }, (_, i) => publish(`g${i % 1000}`)));
        expect(lead(results.map(([e, now]) => [e.frame.timestamp, now]))).toBeLessThan(5);
      });

      it('reads never move the clock: snapshots, positions and resumes between two writes share one timestamp between them', async () => {
        const [first] = await publish('read');
        const reads = await Promise.all(
          Array.from({ length: 300 }, (_, i) =>
            i % 3 === 0
              ? adapter.position('s', 'read')
              : i % 3 === 1
                ? adapter.snapshot('s', 'read', null)
                : adapter.history!('s', 'read', first.epoch!, first.seq).then((replay) => replay!.position),
          ),
        );
        const [next] = await publish('read');
        const stamps = new Set(reads.map((r) => r.timestamp));
        expect(stamps.size).toBe(1);
        const [read] = stamps;
        expect(read).toBeGreaterThan(first.frame.timestamp);
        expect(next.frame.timestamp).toBeGreaterThan(read);
      });

      it(`a burst to one group runs ahead at most MAX_CLOCK_LEAD_MS (${MAX_CLOCK_LEAD_MS} ms), then waits for the clock`, async () => {
        const results = await Promise.all(Array.from({ length: MAX_CLOCK_LEAD_MS + 300 }, () => publish('hot')));
        const bySeq = [...results].sort(([a], [b]) => a.seq - b.seq);
        for (let i = 1; i < bySeq.length; i++) {
          expect(bySeq[i][0].seq).toBe(bySeq[i - 1][0].seq + 1);
          expect(bySeq[i][0].frame.timestamp).toBeGreaterThan(bySeq[i - 1][0].frame.timestamp);
        }
        expect(lead(results.map(([e, now]) => [e.frame.timestamp, now]))).toBeLessThanOrEqual(MAX_CLOCK_LEAD_MS);
        // Another group is not held back by the hot one.
        const [other, now] = await publish('cold');
        expect(other.frame.timestamp - now).toBeLessThanOrEqual(1);
      });
    });

    describe('versions and conditional writes (SPEC §8)', () => {
      const position = (e: StreamEnvelope) => formatPosition(e.epoch!, e.seq);
      /** Rejects with a StreamsConflictError of that code and current version. */
      const conflict = async (write: Promise<unknown>, code: string, version: string | null) => {
        const error: unknown = await write.then(
          () => new Error('the write was not refused'),
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(StreamsConflictError);
        expect(error).toMatchObject({ code, version });
      };

      it('each write gives the item a new version, its event position; getVersioned reads it with the value', async () => {
        await expect(adapter.getVersioned('s', 'g', 'i')).resolves.toEqual({ value: null, version: null });
        const created = await adapter.set('s', 'g', 'i', { n: 1 });
        expect(created.version).toBe(position(created.envelope!));
        await expect(adapter.getVersioned('s', 'g', 'i')).resolves.toEqual({ value: { n: 1 }, version: created.version });
        await adapter.publish({ streamName: 's', groupId: 'g', id: null, event: { type: 'event', event: { type: 'e', data: null } } });
        await adapter.set('s', 'g', 'other', 0);
        await expect(adapter.getVersioned('s', 'g', 'i')).resolves.toEqual({ value: { n: 1 }, version: created.version });
        const updated = await adapter.update('s', 'g', 'i', [{ type: 'increment', path: 'n', by: 1 }]);
        expect(updated.version).toBe(position(updated.envelope!));
        expect(updated.version).not.toBe(created.version);
        await expect(adapter.getVersioned('s', 'g', 'i')).resolves.toEqual({ value: { n: 2 }, version: updated.version });
        const removed = await adapter.delete('s', 'g', 'i');
        expect(removed.version).toBe(position(removed.envelope!));
        await expect(adapter.getVersioned('s', 'g', 'i')).resolves.toEqual({ value: null, version: null });
        await expect(adapter.delete('s', 'g', 'i')).resolves.toEqual({ old_value: null, version: null, envelope: null });
      });

      it('if_version: writes when it is the current version, else refuses with version_conflict and the current version', async () => {
        const first = await adapter.set('s', 'g', 'i', 'a');
        const second = await adapter.set('s', 'g', 'i', 'b', { condition: { if_version: first.version } });
        expect(second.old_value).toBe('a');
        await conflict(adapter.set('s', 'g', 'i', 'stale', { condition: { if_version: first.version } }), 'version_conflict', second.version);
        await conflict(adapter.update('s', 'g', 'i', [{ type: 'set', path: '', value: 'stale' }], { condition: { if_version: first.version } }), 'version_conflict', second.version);
        await conflict(adapter.delete('s', 'g', 'i', { condition: { if_version: first.version } }), 'version_conflict', second.version);
        await conflict(adapter.set('s', 'g', 'missing', 'x', { condition: { if_version: first.version } }), 'version_conflict', null);
        await expect(adapter.getVersioned('s', 'g', 'i')).resolves.toEqual({ value: 'b', version: second.version });
        await expect(adapter.get('s', 'g', 'missing')).resolves.toBeNull();
        const third = await adapter.update('s', 'g', 'i', [{ type: 'set', path: '', value: 'c' }], { condition: { if_version: second.version } });
        await expect(adapter.delete('s', 'g', 'i', { condition: { if_version: third.version } })).resolves.toMatchObject({ old_value: 'c' });
      });

      it('if_version null: writes only while the item is missing (what getVersioned reports for it)', async () => {
        const created = await adapter.set('s', 'g', 'i', 1, { condition: { if_version: null } });
        await conflict(adapter.set('s', 'g', 'i', 2, { condition: { if_version: null } }), 'version_conflict', created.version);
        await expect(adapter.get('s', 'g', 'i')).resolves.toBe(1);
      });

      it('if_absent writes only a missing item (else `exists`); if_exists only an existing one (else `missing`)', async () => {
        await conflict(adapter.set('s', 'g', 'i', 0, { condition: { if_exists: true } }), 'missing', null);
        await conflict(adapter.update('s', 'g', 'i', [{ type: 'increment', path: 'n', by: 1 }], { condition: { if_exists: true } }), 'missing', null);
        await conflict(adapter.delete('s', 'g', 'i', { condition: { if_exists: true } }), 'missing', null);
        await expect(adapter.get('s', 'g', 'i')).resolves.toBeNull();
        const created = await adapter.set('s', 'g', 'i', 1, { condition: { if_absent: true } });
        expect(created.old_value).toBeNull();
        await conflict(adapter.set('s', 'g', 'i', 2, { condition: { if_absent: true } }), 'exists', created.version);
        await conflict(adapter.update('s', 'g', 'i', [{ type: 'set', path: '', value: 2 }], { condition: { if_absent: true } }), 'exists', created.version);
        await conflict(adapter.delete('s', 'g', 'i', { condition: { if_absent: true } }), 'exists', created.version);
        const updated = await adapter.update('s', 'g', 'i', [{ type: 'set', path: '', value: 3 }], { condition: { if_exists: true } });
        expect(updated.old_value).toBe(1);
        await expect(adapter.delete('s', 'g', 'i', { condition: { if_exists: true } })).resolves.toMatchObject({ old_value: 3, version: expect.any(String) });
      });

      it('a refused write stores nothing, publishes nothing and spends no position', async () => {
        const seen: StreamEnvelope[] = [];
        await listen(adapter, 's', 'g', (e) => seen.push(e));
        const first = await adapter.set('s', 'g', 'i', 'kept');
        await conflict(adapter.set('s', 'g', 'i', 'refused', { condition: { if_absent: true } }), 'exists', first.version);
        await conflict(adapter.update('s', 'g', 'i', [{ type: 'set', path: '', value: 'refused' }], { condition: { if_version: 'x:1' } }), 'version_conflict', first.version);
        await conflict(adapter.delete('s', 'g', 'i', { condition: { if_version: 'x:1' } }), 'version_conflict', first.version);
        await conflict(adapter.set('s', 'g', 'new', 'refused', { condition: { if_exists: true } }), 'missing', null);
        const next = await adapter.set('s', 'g', 'after', 'next');
        expect(next.envelope!.seq).toBe(first.envelope!.seq + 1);
        await waitFor(() => seen.length >= 2);
        expect(seen.map((e) => [e.seq, e.frame.id, e.frame.event])).toEqual([
          [first.envelope!.seq, 'i', { type: 'create', data: 'kept' }],
          [next.envelope!.seq, 'after', { type: 'create', data: 'next' }],
        ]);
        expect(sort(await adapter.list('s', 'g'))).toEqual(sort(['kept', 'next']));
      });

      it('if_version read-modify-write loops: 20 concurrent writers, every increment applied exactly once', async () => {
        const writers = 20;
        const each = 5;
        let conflicts = 0;
        const increment = async () => {
          for (;;) {
            const { value, version } = await adapter.getVersioned('s', 'g', 'counter');
            try {
              await adapter.set('s', 'g', 'counter', ((value as number | null) ?? 0) + 1, { condition: { if_version: version } });
              return;
            } catch (error) {
              if (!(error instanceof StreamsConflictError)) throw error;
              conflicts++;
            }
          }
        };
        await Promise.all(Array.from({ length: writers }, async () => {
          for (let i = 0; i < each; i++) await increment();
        }));
        await expect(adapter.get('s', 'g', 'counter')).resolves.toBe(writers * each);
        expect(conflicts).toBeGreaterThan(0);
      });

      if (harness.reopen) {
        it('versions survive a restart, and conditions hold across it', async () => {
          const written = await adapter.set('s', 'g', 'i', { n: 1 });
          const removed = await adapter.set('s', 'g', 'gone', 1);
          await adapter.delete('s', 'g', 'gone', { condition: { if_version: removed.version } });
          adapter = await harness.reopen!(adapter);
          await expect(adapter.getVersioned('s', 'g', 'i')).resolves.toEqual({ value: { n: 1 }, version: written.version });
          await expect(adapter.getVersioned('s', 'g', 'gone')).resolves.toEqual({ value: null, version: null });
          await conflict(adapter.set('s', 'g', 'i', 'stale', { condition: { if_version: 'x:1' } }), 'version_conflict', written.version);
          const after = await adapter.set('s', 'g', 'i', { n: 2 }, { condition: { if_version: written.version } });
          expect(after.version).toBe(position(after.envelope!));
          expect(after.version).not.toBe(written.version);
          await expect(adapter.getVersioned('s', 'g', 'i')).resolves.toEqual({ value: { n: 2 }, version: after.version });
        });
      }

      if (harness.peer) {
        it('10 concurrent writers split over two instances, get-version / if_version loops: exactly N increments, none lost', async () => {
          const other = await harness.peer!();
          others.push(other);
          const each = 10;
          const applied: string[] = [];
          const increment = async (instance: StreamAdapter) => {
            for (;;) {
              const { value, version } = await instance.getVersioned('s', 'g', 'counter');
              try {
                applied.push((await instance.set('s', 'g', 'counter', ((value as number | null) ?? 0) + 1, { condition: { if_version: version } })).version);
                return;
              } catch (error) {
                if (!(error instanceof StreamsConflictError)) throw error;
              }
            }
          };
          await Promise.all(Array.from({ length: 10 }, async (_, w) => {
            for (let i = 0; i < each; i++) await increment(w % 2 ? other : adapter);
          }));
          await expect(adapter.get('s', 'g', 'counter')).resolves.toBe(10 * each);
          expect(new Set(applied).size).toBe(10 * each);
        });
      }
    });

    describe('idempotency keys (SPEC §8)', () => {
      const once = (key: string, fingerprint = 'f1'): IdempotentWrite => ({ key, fingerprint });
      const tick = { streamName: 's', groupId: 'g', id: null, event: { type: 'event' as const, event: { type: 'tick', data: 1 } } };
      /** Rejects with StreamsIdempotencyError naming the key. */
      const reused = async (write: Promise<unknown>, key: string) => {
        const error: unknown = await write.then(
          () => new Error('the call was not refused'),
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(StreamsIdempotencyError);
        expect(error).toMatchObject({ code: 'idempotency_key_reused', idempotency_key: key });
      };
      /** A fresh adapter with these idempotency limits (ttl 5 min, 10,000 per group, 100,000 in total unless given). */
      const limited = async (limits: Partial<IdempotencyLimits>) => {
        await adapter.close();
        adapter = await harness.create(undefined, { ttlMs: 300_000, maxKeysPerGroup: 10_000, maxKeys: 100_000, ...limits });
      };

      it('a retry gets the first result (same version, values, errors) and writes, publishes and spends nothing', async () => {
        const seen: StreamEnvelope[] = [];
        await listen(adapter, 's', 'g', (e) => seen.push(e));
        const first = await adapter.set('s', 'g', 'i', { n: 1, s: 'x' }, { idempotency: once('set-1') });
        expect(first.replayed).toBeUndefined();
        const retry = await adapter.set('s', 'g', 'i', { n: 1, s: 'x' }, { idempotency: once('set-1') });
        expect(retry).toEqual({ old_value: null, new_value: { n: 1, s: 'x' }, version: first.version, envelope: null, replayed: true });
        const bumped = await adapter.update('s', 'g', 'i', [{ type: 'increment', path: 'n', by: 1 }, { type: 'increment', path: 's', by: 1 }], { idempotency: once('update-1') });
        const bumpedAgain = await adapter.update('s', 'g', 'i', [{ type: 'increment', path: 'n', by: 1 }, { type: 'increment', path: 's', by: 1 }], { idempotency: once('update-1') });
        expect(bumped.errors).toHaveLength(1);
        expect(bumpedAgain).toEqual({ old_value: { n: 1, s: 'x' }, new_value: { n: 2, s: 'x' }, errors: bumped.errors, version: bumped.version, envelope: null, replayed: true });
        await expect(adapter.getVersioned('s', 'g', 'i')).resolves.toEqual({ value: { n: 2, s: 'x' }, version: bumped.version });
        expect((await adapter.publish(tick, once('send-1')))!.idempotencyKey).toBe('send-1');
        await expect(adapter.publish(tick, once('send-1'))).resolves.toBeNull();
        const removed = await adapter.delete('s', 'g', 'i', { idempotency: once('delete-1') });
        await expect(adapter.delete('s', 'g', 'i', { idempotency: once('delete-1') })).resolves.toEqual({ old_value: { n: 2, s: 'x' }, version: removed.version, envelope: null, replayed: true });
        // A keyed delete of a missing item is recorded too: its retry removes nothing, even once the item exists.
        await expect(adapter.delete('s', 'g', 'j', { idempotency: once('delete-2') })).resolves.toMatchObject({ old_value: null, version: null, envelope: null });
        await adapter.set('s', 'g', 'j', 1);
        await expect(adapter.delete('s', 'g', 'j', { idempotency: once('delete-2') })).resolves.toEqual({ old_value: null, version: null, envelope: null, replayed: true });
        await expect(adapter.get('s', 'g', 'j')).resolves.toBe(1);
        const next = await adapter.set('s', 'g', 'k', 0);
        expect(next.envelope!.seq).toBe(removed.envelope!.seq + 2);
        await waitFor(() => seen.length >= 6);
        await new Promise((r) => setTimeout(r, 50));
        expect(seen.map((e) => [e.frame.event.type, e.idempotencyKey])).toEqual([
          ['create', 'set-1'],
          ['update', 'update-1'],
          ['event', 'send-1'],
          ['delete', 'delete-1'],
          ['create', undefined],
          ['create', undefined],
        ]);
        expect(seen.filter((e) => !e.idempotencyKey).every((e) => !('idempotencyKey' in e))).toBe(true);
        // History keeps each event's key; the frame itself never holds it.
        const replay = await adapter.history!('s', 'g', first.envelope!.epoch!, first.envelope!.seq - 1);
        expect(replay!.envelopes.map((e) => e.idempotencyKey)).toEqual(['set-1', 'update-1', 'send-1', 'delete-1', undefined, undefined]);
        for (const e of [...seen, ...replay!.envelopes]) expect(JSON.stringify(e.frame)).not.toContain('-1"');
      });

      it('concurrent duplicates apply once: 20 racing increments under one key give one increment and one version', async () => {
        const results = await Promise.all(
          Array.from({ length: 20 }, () => adapter.update('s', 'g', 'counter', [{ type: 'increment', path: 'n', by: 1 }], { idempotency: once('job-7') })),
        );
        await expect(adapter.get('s', 'g', 'counter')).resolves.toEqual({ n: 1 });
        expect(new Set(results.map((r) => r.version)).size).toBe(1);
        expect(results.filter((r) => !r.replayed)).toHaveLength(1);
        const sends = await Promise.all(Array.from({ length: 10 }, () => adapter.publish(tick, once('send-7'))));
        expect(sends.filter((e) => e !== null)).toHaveLength(1);
      });

      it('the same key for another call is refused with idempotency_key_reused, and nothing is written', async () => {
        const first = await adapter.set('s', 'g', 'i', 1, { idempotency: once('k', 'set i 1') });
        await reused(adapter.set('s', 'g', 'i', 2, { idempotency: once('k', 'set i 2') }), 'k');
        await reused(adapter.update('s', 'g', 'i', [], { idempotency: once('k', 'update i') }), 'k');
        await reused(adapter.delete('s', 'g', 'i', { idempotency: once('k', 'delete i') }), 'k');
        await reused(adapter.publish(tick, once('k', 'send')), 'k');
        await expect(adapter.getVersioned('s', 'g', 'i')).resolves.toEqual({ value: 1, version: first.version });
        expect((await adapter.set('s', 'g', 'after', 0)).envelope!.seq).toBe(first.envelope!.seq + 1);
      });

      it('keys are scoped to their group: the same key applies once in each group', async () => {
        const a = await adapter.set('s', 'g1', 'i', 1, { idempotency: once('k') });
        const b = await adapter.set('s', 'g2', 'i', 1, { idempotency: once('k') });
        const c = await adapter.set('t', 'g1', 'i', 1, { idempotency: once('k') });
        expect([a, b, c].map((r) => r.replayed)).toEqual([undefined, undefined, undefined]);
        await expect(adapter.set('s', 'g2', 'i', 1, { idempotency: once('k') })).resolves.toMatchObject({ replayed: true, version: b.version });
      });

      it('a write refused by its condition records nothing (its retry checks again); a replay wins over a condition that no longer holds', async () => {
        await adapter.set('s', 'g', 'i', 'taken');
        await expect(adapter.set('s', 'g', 'i', 'mine', { condition: { if_absent: true }, idempotency: once('claim') })).rejects.toBeInstanceOf(StreamsConflictError);
        await adapter.delete('s', 'g', 'i');
        const claimed = await adapter.set('s', 'g', 'i', 'mine', { condition: { if_absent: true }, idempotency: once('claim') });
        expect(claimed.replayed).toBeUndefined();
        await expect(adapter.set('s', 'g', 'i', 'mine', { condition: { if_absent: true }, idempotency: once('claim') })).resolves.toMatchObject({ replayed: true, version: claimed.version });
      });

      it('records expire after ttlMs: a later retry applies again', async () => {
        await limited({ ttlMs: 300 });
        const first = await adapter.update('s', 'g', 'i', [{ type: 'increment', path: 'n', by: 1 }], { idempotency: once('k') });
        await expect(adapter.update('s', 'g', 'i', [{ type: 'increment', path: 'n', by: 1 }], { idempotency: once('k') })).resolves.toMatchObject({ replayed: true });
        await new Promise((r) => setTimeout(r, 400));
        const again = await adapter.update('s', 'g', 'i', [{ type: 'increment', path: 'n', by: 1 }], { idempotency: once('k') });
        expect(again.replayed).toBeUndefined();
        expect(again.version).not.toBe(first.version);
        await expect(adapter.get('s', 'g', 'i')).resolves.toEqual({ n: 2 });
      });

      it('maxKeysPerGroup: past it the group\'s oldest record goes first (its retry applies again), other groups keep theirs', async () => {
        await limited({ maxKeysPerGroup: 3 });
        await adapter.publish({ ...tick, groupId: 'other' }, once('k0'));
        for (let i = 0; i < 4; i++) await adapter.publish(tick, once(`k${i}`));
        await expect(adapter.publish(tick, once('k3'))).resolves.toBeNull();
        await expect(adapter.publish(tick, once('k1'))).resolves.toBeNull();
        await expect(adapter.publish({ ...tick, groupId: 'other' }, once('k0'))).resolves.toBeNull();
        expect(await adapter.publish(tick, once('k0'))).not.toBeNull();
      });

      if (harness.keysBoundedInTotal) {
        it('maxKeys: past it the oldest record of any group goes first', async () => {
          await limited({ maxKeys: 3 });
          for (let i = 0; i < 4; i++) await adapter.publish({ ...tick, groupId: `g${i}` }, once('k'));
          await expect(adapter.publish({ ...tick, groupId: 'g3' }, once('k'))).resolves.toBeNull();
          await expect(adapter.publish({ ...tick, groupId: 'g1' }, once('k'))).resolves.toBeNull();
          expect(await adapter.publish({ ...tick, groupId: 'g0' }, once('k'))).not.toBeNull();
        });
      }

      if (harness.reopen) {
        it('records survive a restart: a retry after it gets the first result', async () => {
          const first = await adapter.set('s', 'g', 'i', { n: 1 }, { idempotency: once('k') });
          adapter = await harness.reopen!(adapter);
          await expect(adapter.set('s', 'g', 'i', { n: 1 }, { idempotency: once('k') })).resolves.toEqual({
            old_value: null,
            new_value: { n: 1 },
            version: first.version,
            envelope: null,
            replayed: true,
          });
          await reused(adapter.set('s', 'g', 'i', { n: 2 }, { idempotency: once('k', 'other') }), 'k');
        });
      }

      if (harness.peer) {
        it('two instances retrying one key concurrently apply it once', async () => {
          const other = await harness.peer!();
          others.push(other);
          const results = await Promise.all(
            Array.from({ length: 20 }, (_, i) => (i % 2 ? other : adapter).update('s', 'g', 'counter', [{ type: 'increment', path: 'n', by: 1 }], { idempotency: once('shared') })),
          );
          await expect(adapter.get('s', 'g', 'counter')).resolves.toEqual({ n: 1 });
          expect(new Set(results.map((r) => r.version)).size).toBe(1);
          expect(results.filter((r) => !r.replayed)).toHaveLength(1);
        });
      }
    });

    describe('item TTLs (SPEC §8)', () => {
      const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
      /** A fresh adapter that sweeps only when the test says so, `batch` items at most per sweep. */
      const manual = async (batch = 500) => {
        await adapter.close();
        adapter = await harness.create(undefined, undefined, { intervalMs: 3_600_000, batch });
      };
      const expiries = (a: StreamAdapter) => {
        const told: StreamEnvelope[] = [];
        a.onExpire((e) => told.push(e));
        return told;
      };

      it('an expired item reads as missing at once; the sweep deletes it with one delete event, a new version, the listener told once', async () => {
        await manual();
        const told = expiries(adapter);
        const seen: StreamEnvelope[] = [];
        await listen(adapter, 's', 'g', (e) => seen.push(e));
        const written = await adapter.set('s', 'g', 'typing', { who: 'ann' }, { ttlMs: 100 });
        await adapter.set('s', 'g', 'stays', 1);
        await expect(adapter.get('s', 'g', 'typing')).resolves.toEqual({ who: 'ann' });
        await sleep(150);
        await expect(adapter.get('s', 'g', 'typing')).resolves.toBeNull();
        await expect(adapter.getVersioned('s', 'g', 'typing')).resolves.toEqual({ value: null, version: null });
        await expect(adapter.list('s', 'g')).resolves.toEqual([1]);
        await expect(adapter.snapshot('s', 'g', 'typing')).resolves.toMatchObject({ data: null });
        await expect(adapter.snapshot('s', 'g', null)).resolves.toMatchObject({ data: [1] });
        expect(told).toHaveLength(0);
        await expect(adapter.sweepExpired()).resolves.toBe(1);
        await expect(adapter.sweepExpired()).resolves.toBe(0);
        await waitFor(() => seen.length === 3);
        const deleted = seen[2];
        expect(deleted.frame).toMatchObject({ streamName: 's', groupId: 'g', id: 'typing', event: { type: 'delete', data: { who: 'ann' } } });
        expect(deleted.seq).toBe(written.envelope!.seq + 2);
        expect(told).toEqual([deleted]);
        await expect(adapter.get('s', 'g', 'stays')).resolves.toBe(1);
      });

      it('the sweep runs by itself: an item with ttl is gone with its delete event within a second of its expiry', async () => {
        const told = expiries(adapter);
        const seen: StreamEnvelope[] = [];
        await listen(adapter, 's', 'g', (e) => seen.push(e));
        await adapter.update('s', 'g', 'i', [{ type: 'merge', value: { a: 1 } }], { ttlMs: 200 });
        await waitFor(() => told.length === 1, { ms: 3_000 });
        expect(seen.map((e) => e.frame.event.type)).toEqual(['create', 'delete']);
        await expect(adapter.listGroups('s')).resolves.toEqual([]);
      });

      it('every write sets the expiry again: without ttl the item no longer expires, with one it expires from that write', async () => {
        await manual();
        await adapter.set('s', 'g', 'a', 1, { ttlMs: 100 });
        await adapter.set('s', 'g', 'a', 2);
        await adapter.set('s', 'g', 'b', { n: 0 }, { ttlMs: 100 });
        await adapter.update('s', 'g', 'b', [{ type: 'increment', path: 'n', by: 1 }]);
        await adapter.set('s', 'g', 'c', { n: 0 });
        await adapter.update('s', 'g', 'c', [{ type: 'increment', path: 'n', by: 1 }], { ttlMs: 100 });
        await adapter.set('s', 'g', 'd', 1, { ttlMs: 100 });
        await adapter.set('s', 'g', 'd', 2, { ttlMs: 60_000 });
        await sleep(150);
        await expect(adapter.sweepExpired()).resolves.toBe(1);
        await expect(adapter.get('s', 'g', 'a')).resolves.toBe(2);
        await expect(adapter.get('s', 'g', 'b')).resolves.toEqual({ n: 1 });
        await expect(adapter.get('s', 'g', 'c')).resolves.toBeNull();
        await expect(adapter.get('s', 'g', 'd')).resolves.toBe(2);
      });

      it('a write to an expired item not yet swept finds it missing (create, if_absent holds) and the sweep leaves the new one', async () => {
        await manual();
        await adapter.set('s', 'g', 'i', 'old', { ttlMs: 50 });
        await sleep(100);
        const again = await adapter.set('s', 'g', 'i', 'new', { condition: { if_absent: true } });
        expect(again.old_value).toBeNull();
        expect(again.envelope!.frame.event.type).toBe('create');
        await expect(adapter.sweepExpired()).resolves.toBe(0);
        await expect(adapter.get('s', 'g', 'i')).resolves.toBe('new');
      });

      it('each sweep deletes at most its batch; repeated sweeps delete every due item, across groups', async () => {
        await manual(10);
        for (let i = 0; i < 35; i++) await adapter.set('s', `g${i % 5}`, `i${i}`, i, { ttlMs: 50 });
        await adapter.set('s', 'g0', 'keep', 'k', { ttlMs: 60_000 });
        await sleep(100);
        const counts: number[] = [];
        for (let n = await adapter.sweepExpired(); n > 0; n = await adapter.sweepExpired()) counts.push(n);
        expect(counts.every((n) => n <= 10)).toBe(true);
        expect(counts.reduce((a, b) => a + b, 0)).toBe(35);
        await expect(adapter.listAll()).resolves.toEqual([{ id: 's', groups: ['g0'] }]);
      });

      if (harness.reopen) {
        it('expiries survive a restart', async () => {
          await adapter.set('s', 'g', 'i', 'bye', { ttlMs: 300 });
          adapter = await harness.reopen!(adapter);
          const told = expiries(adapter);
          await expect(adapter.get('s', 'g', 'i')).resolves.toBe('bye');
          await waitFor(() => told.length === 1, { ms: 3_000 });
          expect(told[0].frame.event).toEqual({ type: 'delete', data: 'bye' });
          await expect(adapter.get('s', 'g', 'i')).resolves.toBeNull();
        });
      }

      if (harness.peer) {
        it('two instances: one delete event, one listener told, never two', async () => {
          const other = await harness.peer!();
          others.push(other);
          const told = [...[adapter, other].map(expiries)];
          const seen: StreamEnvelope[] = [];
          await listen(other, 's', 'g', (e) => seen.push(e));
          await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? other : adapter).set('s', 'g', `i${i}`, i, { ttlMs: 100 })));
          await sleep(150);
          // Sweeps racing on both instances (besides their own ticks) over the same due items.
          const swept = await Promise.all([adapter, other, adapter, other].map((a) => a.sweepExpired()));
          await waitFor(() => told[0].length + told[1].length === 100, { ms: 5_000 });
          await sleep(600);
          expect(swept.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(100);
          expect(told[0].length + told[1].length).toBe(100);
          expect(seen.filter((e) => e.frame.event.type === 'delete')).toHaveLength(100);
        });
      }
    });

    it('ping resolves while the backend is up', async () => {
      await expect(adapter.ping()).resolves.toBeUndefined();
    });

    if (harness.peer) {
      it('shares state and fan-out with a second instance on the same backend', async () => {
        const other = await harness.peer!();
        others.push(other);
        const seen: StreamEnvelope[] = [];
        await listen(other, 's', 'g', (e) => seen.push(e));
        await adapter.set('s', 'g', 'i', 'from A');
        await expect(other.get('s', 'g', 'i')).resolves.toBe('from A');
        await waitFor(() => seen.length === 1);
        expect(seen[0].frame.event).toEqual({ type: 'create', data: 'from A' });
        const fromB = await other.set('s', 'g', 'i', 'from B');
        expect(fromB.old_value).toBe('from A');
        expect(fromB.envelope!.seq).toBeGreaterThan(seen[0].seq);
        expect(fromB.envelope!.frame.timestamp).toBeGreaterThan(seen[0].frame.timestamp);
      });
    }
  });
}
