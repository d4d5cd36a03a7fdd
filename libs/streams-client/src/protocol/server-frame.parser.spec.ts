import { parseServerFrame } from './server-frame.parser';

describe('parseServerFrame', () => {
  const frame = { type: 'stream', timestamp: 1, streamName: 's', groupId: 'g', id: null };

  it('accepts stream frames of every event type and error frames', () => {
    for (const event of [
      { type: 'sync', data: [] },
      { type: 'create', data: 1 },
      { type: 'update', data: null },
      { type: 'delete', data: 'x' },
      { type: 'event', event: { type: 'typing', data: {} } },
      { type: 'unauthorized' },
    ]) {
      expect(parseServerFrame(JSON.stringify({ ...frame, event }))).toEqual({ ...frame, event });
    }
    const error = { type: 'error', error: { code: 'invalid_field', message: 'm', field: 'data.groupId' } };
    expect(parseServerFrame(JSON.stringify(error))).toEqual(error);
  });

  it('accepts the resume extension: positions, continuityLost syncs and resumed frames', () => {
    const sync = { ...frame, position: 'e:1', event: { type: 'sync', data: [], continuityLost: true } };
    expect(parseServerFrame(JSON.stringify(sync))).toEqual(sync);
    const resumed = { type: 'resumed', subscriptionId: 's1', streamName: 's', groupId: 'g', id: null, replayed: 3, position: 'e:4' };
    expect(parseServerFrame(JSON.stringify(resumed))).toEqual(resumed);
  });

  it('accepts delta frames (SPEC §9): an item, seq base and version, ops or patch (exactly one)', () => {
    const delta = { type: 'delta', streamName: 's', groupId: 'g', id: 'i', base: 3, version: 7, ops: [{ type: 'increment', path: 'n', by: 1 }] };
    expect(parseServerFrame(JSON.stringify(delta))).toEqual(delta);
    const { ops: _ops, ...bare } = delta;
    expect(parseServerFrame(JSON.stringify({ ...bare, patch: [] }))).toEqual({ ...bare, patch: [] });
    for (const bad of [bare, { ...delta, patch: [] }, { ...delta, id: null }, { ...delta, base: 'e:3' }, { ...delta, version: -1 }, { ...delta, version: 1.5 }, { ...delta, groupId: 2 }]) {
      expect(parseServerFrame(JSON.stringify(bad))).toBeNull();
    }
  });

  it('skips what it does not understand instead of throwing', () => {
    for (const data of [
      '{bad json',
      '[]',
      'null',
      JSON.stringify({ type: 'hello' }),
      JSON.stringify({ ...frame, timestamp: '1', event: { type: 'sync', data: [] } }),
      JSON.stringify({ ...frame, id: 3, event: { type: 'sync', data: [] } }),
      JSON.stringify({ ...frame, event: { type: 'resync' } }),
      JSON.stringify({ ...frame, event: { type: 'create' } }),
      JSON.stringify({ ...frame, event: { type: 'event', event: {} } }),
      JSON.stringify({ type: 'error', error: 'boom' }),
      JSON.stringify({ ...frame, position: 4, event: { type: 'sync', data: [] } }),
      JSON.stringify({ type: 'resumed', subscriptionId: 's1', streamName: 's', groupId: 'g', id: null, replayed: 3 }),
      JSON.stringify({ type: 'resumed', streamName: 's', groupId: 'g', id: null, replayed: 3, position: 'e:4' }),
    ]) {
      expect(parseServerFrame(data)).toBeNull();
    }
    expect(parseServerFrame(new Uint8Array([123, 125]))).toBeNull();
  });
});
