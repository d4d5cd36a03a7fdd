import { streamFrame } from '../testing/fake-websocket';
import { GroupChannel, type GroupChange, idExtractor } from './group.channel';

interface Msg {
  id: string;
  text: string;
}

const chat = { streamName: 'chat', groupId: 'room-1' };

describe('GroupChannel: the local mirror of a group', () => {
  let channel: GroupChannel<Msg>;
  let changes: GroupChange<Msg>[];

  beforeEach(() => {
    channel = new GroupChannel<Msg>('s1', 'chat', 'room-1', idExtractor('id'));
    changes = [];
    channel.changes.on('change', (c) => changes.push(c));
    channel.joinRequest();
  });

  it('a sync fills the mirror keyed by the id inside each value, in server order', () => {
    channel.receive(streamFrame({ ...chat, event: { type: 'sync', data: [{ id: 'b', text: 'B' }, { id: 'a', text: 'A' }] } }));
    expect([...channel.items.keys()]).toEqual(['b', 'a']);
    expect(channel.synced).toBe(true);
    expect(changes).toEqual([{ type: 'sync', timestamp: expect.any(Number) }]);
  });

  it('create, update and delete are keyed by the frame id; creates append, updates keep their place', () => {
    channel.receive(streamFrame({ ...chat, event: { type: 'sync', data: [{ id: 'a', text: 'A' }] } }));
    channel.receive(streamFrame({ ...chat, id: 'b', event: { type: 'create', data: { id: 'b', text: 'B' } } }));
    channel.receive(streamFrame({ ...chat, id: 'a', event: { type: 'update', data: { id: 'a', text: 'A2' } } }));
    expect([...channel.items.values()]).toEqual([
      { id: 'a', text: 'A2' },
      { id: 'b', text: 'B' },
    ]);
    channel.receive(streamFrame({ ...chat, id: 'a', event: { type: 'delete', data: { id: 'a', text: 'A2' } } }));
    expect([...channel.items.keys()]).toEqual(['b']);
    expect(changes.slice(1)).toEqual([
      { type: 'create', id: 'b', value: { id: 'b', text: 'B' }, timestamp: expect.any(Number) },
      { type: 'update', id: 'a', value: { id: 'a', text: 'A2' }, timestamp: expect.any(Number) },
      { type: 'delete', id: 'a', value: { id: 'a', text: 'A2' }, timestamp: expect.any(Number) },
    ]);
  });

  it('a later sync replaces the mirror (items removed meanwhile disappear)', () => {
    channel.receive(streamFrame({ ...chat, event: { type: 'sync', data: [{ id: 'a', text: 'A' }, { id: 'b', text: 'B' }] } }));
    channel.receive(streamFrame({ ...chat, event: { type: 'sync', data: [{ id: 'c', text: 'C' }] } }));
    expect([...channel.items.keys()]).toEqual(['c']);
  });

  it('drops a frame whose timestamp is not newer than the last one, as iii clients do', () => {
    channel.receive(streamFrame({ ...chat, timestamp: 50, event: { type: 'sync', data: [] } }));
    channel.receive(streamFrame({ ...chat, timestamp: 50, id: 'x', event: { type: 'create', data: { id: 'x', text: 'dup' } } }));
    channel.receive(streamFrame({ ...chat, timestamp: 40, id: 'y', event: { type: 'create', data: { id: 'y', text: 'old' } } }));
    channel.receive(streamFrame({ ...chat, timestamp: 51, id: 'z', event: { type: 'create', data: { id: 'z', text: 'new' } } }));
    expect([...channel.items.keys()]).toEqual(['z']);
  });

  it('a (re)join restarts stale-frame tracking, so a new server with an older clock is heard', () => {
    channel.receive(streamFrame({ ...chat, timestamp: 500, event: { type: 'sync', data: [] } }));
    channel.joinRequest();
    expect(channel.synced).toBe(false);
    channel.receive(streamFrame({ ...chat, timestamp: 100, event: { type: 'sync', data: [{ id: 'a', text: 'A' }] } }));
    expect(channel.items.has('a')).toBe(true);
  });

  describe('resume', () => {
    const ready = jest.fn();
    beforeEach(() => {
      ready.mockReset();
      channel.changes.on('ready', ready);
      channel.receive(streamFrame({ ...chat, timestamp: 100, position: 'e:1', event: { type: 'sync', data: [{ id: 'a', text: 'A' }] } }));
      channel.receive(streamFrame({ ...chat, timestamp: 101, position: 'e:2', id: 'b', event: { type: 'create', data: { id: 'b', text: 'B' } } }));
    });

    it('a rejoin carries the last position; replayed frames apply on top of the mirror; resumed marks it caught up', () => {
      expect(ready).toHaveBeenCalledWith({ type: 'sync', continuityLost: false, position: 'e:1' });
      expect(channel.joinRequest()).toEqual({ subscriptionId: 's1', streamName: 'chat', groupId: 'room-1', position: 'e:2' });
      expect(channel.synced).toBe(false);
      channel.receive(streamFrame({ ...chat, timestamp: 102, position: 'e:3', id: 'a', event: { type: 'delete', data: { id: 'a', text: 'A' } } }));
      channel.receive(streamFrame({ ...chat, timestamp: 103, position: 'e:4', id: 'c', event: { type: 'create', data: { id: 'c', text: 'C' } } }));
      channel.receiveResumed({ type: 'resumed', subscriptionId: 's1', ...chat, id: null, replayed: 2, position: 'e:4' });
      expect([...channel.items.keys()]).toEqual(['b', 'c']);
      expect([channel.synced, channel.resumed, channel.continuityLost, channel.position]).toEqual([true, true, false, 'e:4']);
      expect(ready).toHaveBeenLastCalledWith({ type: 'resumed', replayed: 2, position: 'e:4' });
      expect(changes.map((c) => c.type)).toEqual(['sync', 'create', 'delete', 'create']);
    });

    it('a continuityLost sync replaces the mirror and says so, even from a server whose clock is behind', () => {
      channel.joinRequest();
      channel.receive(streamFrame({ ...chat, timestamp: 7, position: 'f:1', event: { type: 'sync', data: [{ id: 'z', text: 'Z' }], continuityLost: true } }));
      expect([...channel.items.keys()]).toEqual(['z']);
      expect([channel.synced, channel.resumed, channel.continuityLost, channel.position]).toEqual([true, false, true, 'f:1']);
      expect(ready).toHaveBeenLastCalledWith({ type: 'sync', continuityLost: true, position: 'f:1' });
      // The flags describe the last join only.
      channel.joinRequest();
      expect([channel.synced, channel.continuityLost]).toEqual([false, false]);
    });
  });

  it('unauthorized clears the mirror and is announced', () => {
    const rejected = jest.fn();
    channel.changes.on('unauthorized', rejected);
    channel.receive(streamFrame({ ...chat, event: { type: 'sync', data: [{ id: 'a', text: 'A' }] } }));
    channel.receive(streamFrame({ ...chat, event: { type: 'unauthorized' } }));
    expect(channel.unauthorized).toBe(true);
    expect(channel.items.size).toBe(0);
    expect(rejected).toHaveBeenCalledTimes(1);
  });

  it('custom events go to their type’s listeners with id and timestamp, and change nothing', () => {
    const typing = jest.fn();
    channel.customEvents.on('typing', typing);
    channel.receive(streamFrame({ ...chat, timestamp: 9_000_000, event: { type: 'event', event: { type: 'typing', data: { who: 'ann' } } } }));
    expect(typing).toHaveBeenCalledWith({ type: 'typing', data: { who: 'ann' }, id: null, timestamp: 9_000_000 });
    expect(changes).toEqual([]);
  });
});

describe('idExtractor', () => {
  it('reads a string or number property; anything else has no id', () => {
    const byKey = idExtractor<unknown>('key');
    expect(byKey({ key: 'a' })).toBe('a');
    expect(byKey({ key: 7 })).toBe('7');
    expect(byKey({ key: null })).toBeUndefined();
    expect(byKey('plain')).toBeUndefined();
    expect(byKey(null)).toBeUndefined();
  });

  it('a sync value without an id is left out of the mirror; a function extractor is used as given', () => {
    const channel = new GroupChannel<{ room: string; n: number } | string>('s', 'c', 'g', (v) => (typeof v === 'string' ? undefined : `${v.room}#${v.n}`));
    channel.receive(streamFrame({ streamName: 'c', groupId: 'g', event: { type: 'sync', data: [{ room: 'r', n: 1 }, 'no id'] } }));
    expect([...channel.items.keys()]).toEqual(['r#1']);
  });
});
