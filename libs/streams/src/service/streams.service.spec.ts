import { Injectable, Logger } from '@nestjs/common';
import {
  type CustomStream,
  CustomStreamProvider,
  OnStreamChange,
  type StreamChangeFrame,
  StreamsCustomResultError,
  StreamsConflictError,
  StreamsCustomStreamError,
  StreamsInputError,
  StreamsOperationError,
} from 'nest-realtime-streams';
import { startStreamsApp, type StreamsTestApp } from '../../../../test/support/streams-app';
import { StreamAdapter } from '../adapters/stream-adapter.interface';
import { STREAMS_ADAPTER } from '../streams.constants';
import { listen } from '../../../../test/support/hub-listener';
import { StreamsHub } from '../hub/streams.hub';
import { waitFor } from '../../../../test/support/wait-for';

@Injectable()
class ChangeRecorder {
  readonly all: StreamChangeFrame[] = [];
  readonly room1: StreamChangeFrame[] = [];
  readonly item: StreamChangeFrame[] = [];
  slowOrder: number[] = [];
  release: (() => void) | null = null;

  @OnStreamChange({ stream_name: 'chat' })
  onChat(frame: StreamChangeFrame): void {
    this.all.push(frame);
  }

  @OnStreamChange({ stream_name: 'chat', group_id: 'room-1' })
  onRoom1(frame: StreamChangeFrame): void {
    this.room1.push(frame);
  }

  @OnStreamChange({ stream_name: 'chat', item_id: 'pinned' })
  onPinned(frame: StreamChangeFrame): void {
    this.item.push(frame);
  }

  @OnStreamChange({ stream_name: 'slow' })
  async onSlow(frame: StreamChangeFrame): Promise<void> {
    if (frame.id === 'first') await new Promise<void>((r) => (this.release = r));
    this.slowOrder.push(Number(frame.event.type === 'event' ? frame.event.event.data : (frame.event as { data: unknown }).data));
  }

  @OnStreamChange({ stream_name: 'broken' })
  explode(): void {
    throw new Error('boom');
  }
}

@Injectable()
@CustomStreamProvider('presence')
class PresenceStream implements CustomStream {
  readonly users = new Map<string, unknown>();
  key = (g: string, i: string) => `${g}/${i}`;
  get({ group_id, item_id }: { group_id: string; item_id: string }) {
    return this.users.get(this.key(group_id, item_id)) ?? null;
  }
  set({ group_id, item_id, data }: { group_id: string; item_id: string; data: unknown }) {
    const old_value = this.users.get(this.key(group_id, item_id)) ?? null;
    this.users.set(this.key(group_id, item_id), data);
    return { old_value, new_value: data };
  }
  delete({ group_id, item_id }: { group_id: string; item_id: string }) {
    const old_value = this.users.get(this.key(group_id, item_id)) ?? null;
    this.users.delete(this.key(group_id, item_id));
    return { old_value };
  }
  list({ group_id }: { group_id: string }) {
    return [...this.users.entries()].filter(([k]) => k.startsWith(`${group_id}/`)).map(([, v]) => v);
  }
  listGroups() {
    return [...new Set([...this.users.keys()].map((k) => k.split('/')[0]))];
  }
}

describe('StreamsService (SPEC §3.1)', () => {
  let t: StreamsTestApp;
  let recorder: ChangeRecorder;
  const ref = { stream_name: 'chat', group_id: 'room-1', item_id: 'm1' };

  beforeEach(async () => {
    t = await startStreamsApp({}, { providers: [ChangeRecorder, PresenceStream] });
    recorder = t.app.get(ChangeRecorder);
  });
  afterEach(() => t.app.close());

  it('set returns {old_value, new_value} exactly as iii', async () => {
    await expect(t.service.set({ ...ref, data: { text: 'hi' } })).resolves.toEqual({ old_value: null, new_value: { text: 'hi' }, version: expect.any(String) });
    await expect(t.service.set({ ...ref, data: { text: 'yo' } })).resolves.toEqual({ old_value: { text: 'hi' }, new_value: { text: 'yo' }, version: expect.any(String) });
  });

  it('get returns the value or null', async () => {
    await expect(t.service.get(ref)).resolves.toBeNull();
    await t.service.set({ ...ref, data: 5 });
    await expect(t.service.get<number>(ref)).resolves.toBe(5);
  });

  it('update returns {old_value, new_value} and adds errors only when an op failed', async () => {
    const ok = await t.service.update({ ...ref, ops: [{ type: 'set', path: 'n', value: 1 }] });
    expect(ok).toEqual({ old_value: null, new_value: { n: 1 }, version: expect.any(String) });
    expect('errors' in ok).toBe(false);
    const failed = await t.service.update({ ...ref, ops: [{ type: 'append', path: 'n', value: 'x' }, { type: 'increment', path: 'n', by: 2 }] });
    expect(failed.old_value).toEqual({ n: 1 });
    expect(failed.new_value).toEqual({ n: 3 });
    expect(failed.errors).toEqual([expect.objectContaining({ op_index: 0, code: 'append.type_mismatch', message: expect.any(String) })]);
  });

  it('delete returns {old_value} and null when nothing was there', async () => {
    await t.service.set({ ...ref, data: 'x' });
    await expect(t.service.delete(ref)).resolves.toEqual({ old_value: 'x', version: expect.any(String) });
    await expect(t.service.delete(ref)).resolves.toEqual({ old_value: null, version: null });
  });

  it('list, listGroups and listAll return iii shapes', async () => {
    await t.service.set({ ...ref, data: 1 });
    await t.service.set({ ...ref, item_id: 'm2', data: 2 });
    await t.service.set({ ...ref, group_id: 'room-0', data: 0 });
    await t.service.set({ stream_name: 'alpha', group_id: 'g', item_id: 'i', data: true });
    await expect(t.service.list(ref)).resolves.toEqual([1, 2]);
    expect((await t.service.listGroups({ stream_name: 'chat' })).sort()).toEqual(['room-0', 'room-1']);
    await expect(t.service.listAll()).resolves.toEqual({
      stream: [
        { id: 'alpha', groups: ['g'] },
        { id: 'chat', groups: ['room-0', 'room-1'] },
      ],
      count: 2,
    });
  });

  it('send stores nothing and resolves to undefined', async () => {
    await expect(t.service.send({ stream_name: 'chat', group_id: 'room-1', type: 'typing', data: { user: 'a' } })).resolves.toBeUndefined();
    await expect(t.service.list({ stream_name: 'chat', group_id: 'room-1' })).resolves.toEqual([]);
  });

  it('trigger accepts every stream:: function id and payload', async () => {
    await expect(t.service.trigger({ function_id: 'stream::set', payload: { ...ref, data: 1 } })).resolves.toEqual({ old_value: null, new_value: 1, version: expect.any(String) });
    await expect(t.service.trigger({ function_id: 'stream::get', payload: ref })).resolves.toBe(1);
    await expect(t.service.trigger({ function_id: 'stream::update', payload: { ...ref, ops: [{ type: 'set', path: '', value: 2 }] } })).resolves.toEqual({ old_value: 1, new_value: 2, version: expect.any(String) });
    await expect(t.service.trigger({ function_id: 'stream::list', payload: ref })).resolves.toEqual([2]);
    await expect(t.service.trigger({ function_id: 'stream::list_groups', payload: { stream_name: 'chat' } })).resolves.toEqual(['room-1']);
    await expect(t.service.trigger({ function_id: 'stream::list_all', payload: {} })).resolves.toEqual({ stream: [{ id: 'chat', groups: ['room-1'] }], count: 1 });
    await expect(t.service.trigger({ function_id: 'stream::send', payload: { stream_name: 'chat', group_id: 'room-1', type: 't', data: 1 } })).resolves.toBeNull();
    await expect(t.service.trigger({ function_id: 'stream::delete', payload: ref })).resolves.toEqual({ old_value: 2, version: expect.any(String) });
    await expect(t.service.trigger({ function_id: 'stream::nope', payload: {} } as never)).rejects.toMatchObject({ code: 'STREAM_INVALID_INPUT', field: 'function_id' });
  });

  describe('invalid input rejects (never throws synchronously) with a typed error naming the field', () => {
    it.each([
      ['missing stream_name', () => t.service.get({ group_id: 'g', item_id: 'i' } as never), 'stream_name'],
      ['null group_id', () => t.service.set({ stream_name: 's', group_id: null, item_id: 'i', data: 1 } as never), 'group_id'],
      ['numeric item_id', () => t.service.delete({ stream_name: 's', group_id: 'g', item_id: 5 } as never), 'item_id'],
      ['name over the length limit', () => t.service.list({ stream_name: 'x'.repeat(257), group_id: 'g' }), 'stream_name'],
      ['lone surrogate in a name', () => t.service.list({ stream_name: '\ud800', group_id: 'g' }), 'stream_name'],
      ['missing data', () => t.service.set({ stream_name: 's', group_id: 'g', item_id: 'i' } as never), 'data'],
      ['BigInt data', () => t.service.set({ stream_name: 's', group_id: 'g', item_id: 'i', data: 1n }), 'data'],
      ['ops not an array', () => t.service.update({ stream_name: 's', group_id: 'g', item_id: 'i', ops: {} as never }), 'ops'],
      ['unknown op type', () => t.service.update({ stream_name: 's', group_id: 'g', item_id: 'i', ops: [{ type: 'multiply' } as never] }), 'ops[0].type'],
      ['non-integer by', () => t.service.update({ stream_name: 's', group_id: 'g', item_id: 'i', ops: [{ type: 'increment', path: 'n', by: 1.5 }] }), 'ops[0].by'],
      ['send without type', () => t.service.send({ stream_name: 's', group_id: 'g', data: 1 } as never), 'type'],
      ['payload not an object', () => t.service.get(null as never), 'payload'],
    ])('%s', async (_label, call, field) => {
      let sync: unknown = null;
      let promise: Promise<unknown> | undefined;
      try {
        promise = call();
      } catch (e) {
        sync = e;
      }
      expect(sync).toBeNull();
      await expect(promise).rejects.toBeInstanceOf(StreamsInputError);
      await expect(promise).rejects.toMatchObject({ code: 'STREAM_INVALID_INPUT', field, message: expect.stringContaining(field) });
    });
  });

  it('names may contain ":" and round-trip exactly', async () => {
    await t.service.set({ stream_name: 'iii:devtools:state', group_id: 'a:b', item_id: 'c:d', data: 1 });
    await expect(t.service.listAll()).resolves.toEqual({ stream: [{ id: 'iii:devtools:state', groups: ['a:b'] }], count: 1 });
  });

  it('empty names and an empty event type are accepted and round-trip, as iii accepts them', async () => {
    const empty = { stream_name: '', group_id: '', item_id: '' };
    await expect(t.service.set({ ...empty, data: 1 })).resolves.toEqual({ old_value: null, new_value: 1, version: expect.any(String) });
    await expect(t.service.update({ ...empty, ops: [{ type: 'increment', path: '', by: 1 }] })).resolves.toEqual({ old_value: 1, new_value: 2, version: expect.any(String) });
    await expect(t.service.get(empty)).resolves.toBe(2);
    await expect(t.service.list(empty)).resolves.toEqual([2]);
    await expect(t.service.listGroups({ stream_name: '' })).resolves.toEqual(['']);
    await expect(t.service.listAll()).resolves.toEqual({ stream: [{ id: '', groups: [''] }], count: 1 });
    await expect(t.service.send({ stream_name: '', group_id: '', id: '', type: '', data: null })).resolves.toBeUndefined();
    await expect(t.service.delete(empty)).resolves.toEqual({ old_value: 2, version: expect.any(String) });
  });

  it('data is stored as JSON: Dates become strings, undefined properties vanish', async () => {
    const when = new Date(0);
    const result = await t.service.set({ ...ref, data: { when, gone: undefined } });
    expect(result.new_value).toEqual({ when: '1970-01-01T00:00:00.000Z' });
  });

  it('adapter failures reject with the iii error code and keep the cause', async () => {
    const adapter = t.app.get<StreamAdapter>(STREAMS_ADAPTER);
    const failure = new Error('disk on fire');
    jest.spyOn(adapter, 'set').mockRejectedValueOnce(failure);
    const promise = t.service.set({ ...ref, data: 1 });
    await expect(promise).rejects.toBeInstanceOf(StreamsOperationError);
    await expect(promise).rejects.toMatchObject({ code: 'STREAM_SET_ERROR', cause: failure });
    jest.spyOn(adapter, 'listAll').mockRejectedValueOnce(failure);
    await expect(t.service.listAll()).rejects.toMatchObject({ code: 'STREAM_LIST_ALL_ERROR' });
  });

  describe('@OnStreamChange (SPEC §3.3)', () => {
    it('runs handlers matching stream, group and item filters with the published frame', async () => {
      await t.service.set({ ...ref, data: 1 });
      await t.service.set({ ...ref, group_id: 'room-2', item_id: 'pinned', data: 2 });
      await t.service.update({ ...ref, ops: [{ type: 'set', path: '', value: 3 }] });
      await t.service.delete(ref);
      await t.service.send({ stream_name: 'chat', group_id: 'room-1', type: 'typing', data: 'u' });
      await t.service.set({ stream_name: 'other', group_id: 'room-1', item_id: 'm1', data: 0 });
      await waitFor(() => recorder.all.length === 5);
      expect(recorder.all.map((f) => f.event.type)).toEqual(['create', 'create', 'update', 'delete', 'event']);
      expect(recorder.all[0]).toEqual({ type: 'stream', timestamp: expect.any(Number), streamName: 'chat', groupId: 'room-1', id: 'm1', event: { type: 'create', data: 1 } });
      expect(recorder.all[4].event).toEqual({ type: 'event', event: { type: 'typing', data: 'u' } });
      expect(recorder.room1.map((f) => f.event.type)).toEqual(['create', 'update', 'delete', 'event']);
      expect(recorder.item.map((f) => f.groupId)).toEqual(['room-2']);
    });

    it('a delete of a missing item runs no handler', async () => {
      await t.service.delete(ref);
      await t.service.set({ ...ref, data: 1 });
      await waitFor(() => recorder.all.length === 1);
      expect(recorder.all[0].event.type).toBe('create');
    });

    it('the writer does not wait for handlers, and a handler sees writes in write order', async () => {
      await t.service.set({ stream_name: 'slow', group_id: 'g', item_id: 'first', data: 1 });
      for (let i = 2; i <= 5; i++) await t.service.set({ stream_name: 'slow', group_id: 'g', item_id: `i${i}`, data: i });
      // All five writes resolved while the handler is still blocked on the first one.
      expect(recorder.slowOrder).toEqual([]);
      await waitFor(() => recorder.release !== null);
      recorder.release!();
      await waitFor(() => recorder.slowOrder.length === 5);
      expect(recorder.slowOrder).toEqual([1, 2, 3, 4, 5]);
    });

    it('a failing handler is logged with Class.method and never reaches the writer', async () => {
      const log = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      await expect(t.service.set({ stream_name: 'broken', group_id: 'g', item_id: 'i', data: 1 })).resolves.toEqual({ old_value: null, new_value: 1, version: expect.any(String) });
      await waitFor(() => log.mock.calls.length > 0);
      expect(String(log.mock.calls[0][0])).toContain('ChangeRecorder.explode');
      expect(String(log.mock.calls[0][0])).toContain('boom');
      await expect(t.service.get({ stream_name: 'broken', group_id: 'g', item_id: 'i' })).resolves.toBe(1);
      log.mockRestore();
    });
  });

  describe('custom streams (SPEC §3.4)', () => {
    const p = { stream_name: 'presence', group_id: 'room', item_id: 'alice' };

    it('a @CustomStreamProvider class backs its stream: reads and writes go to user code', async () => {
      const presence = t.app.get(PresenceStream);
      await expect(t.service.set({ ...p, data: { online: true } })).resolves.toEqual({ old_value: null, new_value: { online: true }, version: expect.any(String) });
      expect(presence.users.get('room/alice')).toEqual({ online: true });
      await expect(t.service.get(p)).resolves.toEqual({ online: true });
      await expect(t.service.list(p)).resolves.toEqual([{ online: true }]);
      await expect(t.service.listGroups({ stream_name: 'presence' })).resolves.toEqual(['room']);
      await expect(t.service.delete(p)).resolves.toEqual({ old_value: { online: true }, version: expect.any(String) });
      expect(presence.users.size).toBe(0);
    });

    it('update without a custom update runs the ops on get and writes with set, atomically per item', async () => {
      await Promise.all(Array.from({ length: 100 }, () => t.service.update({ ...p, ops: [{ type: 'increment', path: 'n', by: 1 }] })));
      await expect(t.service.get(p)).resolves.toEqual({ n: 100 });
    });

    it('writes to a custom stream are still published to subscribers', async () => {
      const frames: StreamChangeFrame[] = [];
      const stop = t.service.createStream<unknown>('rooms', {
        get: () => null,
        set: ({ data }) => ({ new_value: data }),
        delete: () => ({ old_value: 'was' }),
        list: () => [],
        listGroups: () => [],
        update: ({ ops }) => ({ old_value: 1, new_value: ops.length }),
      });
      await listen(t.app.get(StreamsHub), 'rooms', 'g', (e) => frames.push(e.frame as StreamChangeFrame));
      await t.service.set({ stream_name: 'rooms', group_id: 'g', item_id: 'x', data: 'v' });
      await t.service.update({ stream_name: 'rooms', group_id: 'g', item_id: 'x', ops: [{ type: 'remove', path: 'a' }] });
      await t.service.delete({ stream_name: 'rooms', group_id: 'g', item_id: 'x' });
      expect(frames.map((f) => f.event)).toEqual([
        { type: 'create', data: 'v' },
        { type: 'update', data: 1 },
        { type: 'delete', data: 'was' },
      ]);
      stop();
      await expect(t.service.get({ stream_name: 'rooms', group_id: 'g', item_id: 'x' })).resolves.toBeNull();
    });

    it('a custom write returning the wrong shape fails with JSON_ERROR, returning nothing with the operation code (as iii)', async () => {
      t.service.createStream('bad', { get: () => null, set: () => 'nope' as never, delete: () => 7 as never, list: () => [], listGroups: () => [] });
      const bad = { stream_name: 'bad', group_id: 'g', item_id: 'i' };
      await expect(t.service.set({ ...bad, data: 1 })).rejects.toBeInstanceOf(StreamsCustomResultError);
      await expect(t.service.set({ ...bad, data: 1 })).rejects.toMatchObject({ code: 'JSON_ERROR', operation: 'set', streamName: 'bad' });
      // Without a custom update, the ops are applied and written with the custom set: it is the one named.
      await expect(t.service.update({ ...bad, ops: [] })).rejects.toMatchObject({ code: 'JSON_ERROR', operation: 'set' });
      await expect(t.service.delete(bad)).rejects.toMatchObject({ code: 'JSON_ERROR', operation: 'delete' });
      t.service.createStream('silent', { get: () => null, set: () => undefined as never, delete: () => undefined as never, list: () => [], listGroups: () => [] });
      const silent = { stream_name: 'silent', group_id: 'g', item_id: 'i' };
      await expect(t.service.set({ ...silent, data: 1 })).rejects.toMatchObject({ code: 'STREAM_SET_ERROR', message: expect.stringContaining('returned no result') });
      await expect(t.service.delete(silent)).rejects.toMatchObject({ code: 'STREAM_DELETE_ERROR', message: expect.stringContaining('returned no result') });
    });

    it('errors thrown by a custom read pass through with their code and message (iii), typed; a failing write keeps the iii code', async () => {
      const failure = Object.assign(new Error('presence backend down'), { code: 'PRESENCE_DOWN' });
      const fail = () => {
        throw failure;
      };
      t.service.createStream('flaky', { get: fail, set: fail, delete: fail, list: () => Promise.reject(new Error('no list')), listGroups: () => Promise.reject('plain string') });
      const ref = { stream_name: 'flaky', group_id: 'g', item_id: 'i' };
      const get = t.service.get(ref);
      await expect(get).rejects.toBeInstanceOf(StreamsCustomStreamError);
      await expect(get).rejects.toMatchObject({ code: 'PRESENCE_DOWN', message: 'presence backend down', operation: 'get', streamName: 'flaky', cause: failure });
      // What iii's SDK sends for a throwing handler without a code of its own.
      await expect(t.service.list(ref)).rejects.toMatchObject({ code: 'invocation_failed', message: 'no list' });
      await expect(t.service.listGroups(ref)).rejects.toMatchObject({ code: 'invocation_failed', message: 'plain string' });
      await expect(t.service.set({ ...ref, data: 1 })).rejects.toMatchObject({ code: 'STREAM_SET_ERROR', cause: failure });
      await expect(t.service.delete(ref)).rejects.toMatchObject({ code: 'STREAM_DELETE_ERROR', cause: failure });
    });

    // docs/reference/protocol.md, differences from iii: iii gives null here.
    it('a custom list or listGroups returning nothing gives an empty array', async () => {
      t.service.createStream('empty', { get: () => null, set: ({ data }) => ({ new_value: data }), delete: () => ({ old_value: null }), list: () => undefined as never, listGroups: () => null as never });
      await expect(t.service.list({ stream_name: 'empty', group_id: 'g' })).resolves.toEqual([]);
      await expect(t.service.listGroups({ stream_name: 'empty' })).resolves.toEqual([]);
    });

    it('registering an incomplete or duplicate custom stream is refused', () => {
      expect(() => t.service.createStream('x', { get: () => null } as never)).toThrow(/lacks set, delete, list, listGroups/);
      expect(() => t.service.createStream('presence', t.app.get(PresenceStream))).toThrow(/already registered/);
    });
  });
});

describe('StreamsService: versions and conditional writes (SPEC §8)', () => {
  let t: StreamsTestApp;
  const card = { stream_name: 'cards', group_id: 'board', item_id: 'c1' };

  beforeEach(async () => {
    t = await startStreamsApp({}, { providers: [PresenceStream] });
  });
  afterEach(() => t.app.close());

  it('results carry the version getVersioned reads; iii fields keep their shapes', async () => {
    await expect(t.service.getVersioned(card)).resolves.toEqual({ value: null, version: null });
    const set = await t.service.set({ ...card, data: { n: 1 } });
    expect(Object.keys(set).sort()).toEqual(['new_value', 'old_value', 'version']);
    await expect(t.service.getVersioned(card)).resolves.toEqual({ value: { n: 1 }, version: set.version });
    const updated = await t.service.update({ ...card, ops: [{ type: 'increment', path: 'n', by: 1 }], if_version: set.version });
    expect(Object.keys(updated).sort()).toEqual(['new_value', 'old_value', 'version']);
    expect(updated.version).not.toBe(set.version);
    const removed = await t.service.delete({ ...card, if_version: updated.version });
    expect(removed).toEqual({ old_value: { n: 2 }, version: expect.any(String) });
    expect([set.version, updated.version, removed.version!].map((v) => Number(v.split(':').pop()))).toEqual([1, 2, 3]);
  });

  it('trigger takes the conditions and rejects a refused one with StreamsConflictError', async () => {
    const created = (await t.service.trigger({ function_id: 'stream::set', payload: { ...card, data: 1, if_absent: true } })) as { version: string };
    const refusal = t.service.trigger({ function_id: 'stream::update', payload: { ...card, ops: [], if_version: 'other:1' } });
    await expect(refusal).rejects.toBeInstanceOf(StreamsConflictError);
    await expect(refusal).rejects.toMatchObject({ code: 'version_conflict', version: created.version });
    await expect(t.service.trigger({ function_id: 'stream::delete', payload: { ...card, item_id: 'none', if_exists: true } })).rejects.toMatchObject({
      code: 'missing',
      version: null,
    });
    await expect(t.service.trigger({ function_id: 'stream::delete', payload: { ...card, if_version: created.version } })).resolves.toMatchObject({ old_value: 1 });
  });

  it('invalid conditions reject with a StreamsInputError naming the field, before anything is written', async () => {
    await expect(t.service.set({ ...card, data: 1, if_absent: true, if_exists: true })).rejects.toMatchObject({ code: 'STREAM_INVALID_INPUT', field: 'if_exists' });
    await expect(t.service.delete({ ...card, if_version: 5 as never })).rejects.toMatchObject({ field: 'if_version' });
    await expect(t.service.get(card)).resolves.toBeNull();
  });

  it('custom streams keep no versions: conditions and getVersioned are refused naming the field; writes still report their event position', async () => {
    const p = { stream_name: 'presence', group_id: 'room', item_id: 'alice' };
    await expect(t.service.set({ ...p, data: 1, if_absent: true })).rejects.toMatchObject({ code: 'STREAM_INVALID_INPUT', field: 'if_absent' });
    await expect(t.service.update({ ...p, ops: [], if_version: 'a:1' })).rejects.toMatchObject({ code: 'STREAM_INVALID_INPUT', field: 'if_version' });
    await expect(t.service.delete({ ...p, if_exists: true })).rejects.toMatchObject({ code: 'STREAM_INVALID_INPUT', field: 'if_exists' });
    await expect(t.service.getVersioned(p)).rejects.toMatchObject({ code: 'STREAM_INVALID_INPUT', field: 'stream_name' });
    expect(t.app.get(PresenceStream).users.size).toBe(0);
    const frames: unknown[] = [];
    await listen(t.app.get(StreamsHub), 'presence', 'room', (e) => frames.push(e));
    const written = await t.service.set({ ...p, data: 1 });
    await waitFor(() => frames.length === 1);
    const [envelope] = frames as Array<{ epoch: string; seq: number }>;
    expect(written.version).toBe(`${envelope.epoch}:${envelope.seq}`);
    await expect(t.service.delete(p)).resolves.toEqual({ old_value: 1, version: expect.any(String) });
  });
});
