import type { DeltaFrame, UpdateOp } from 'nest-realtime-streams-protocol';
import { streamFrame } from '../testing/fake-websocket';
import { GroupChannel, idExtractor } from './group.channel';
import { ItemChannel } from './item.channel';

const at = { streamName: 'cards', groupId: 'board' };
const delta = (id: string, base: number, version: number, ops: UpdateOp[]): DeltaFrame => ({ type: 'delta', ...at, id, base, version, ops });

function group() {
  const channel = new GroupChannel<Record<string, unknown>>('s1', 'cards', 'board', idExtractor('id'), undefined, true);
  const rejoins: unknown[] = [];
  channel.rejoin = () => rejoins.push(channel.joinRequest());
  channel.joinRequest();
  return { channel, rejoins };
}

describe('delta subscriptions in the mirror (SPEC §9)', () => {
  it('a group is keyed by the ids its sync names (values need no id field) and follows deltas from their base', () => {
    const { channel, rejoins } = group();
    expect(channel.joinRequest()).toMatchObject({ deltas: true });
    channel.receive(streamFrame({ ...at, position: 'e:5', event: { type: 'sync', data: [{ n: 1 }, { n: 2 }], items: [{ id: 'a', version: 'e:2' }, { id: 'b', version: 'e:5' }] } }));
    expect([...channel.items]).toEqual([['a', { n: 1 }], ['b', { n: 2 }]]);
    channel.receiveDelta(delta('a', 2, 6, [{ type: 'increment', path: 'n', by: 10 }]));
    channel.receive(streamFrame({ ...at, id: 'b', position: 'e:7', event: { type: 'update', data: { n: 3 } } }));
    channel.receiveDelta(delta('b', 7, 8, [{ type: 'set', path: 'm', value: true }]));
    expect([...channel.items]).toEqual([['a', { n: 11 }], ['b', { n: 3, m: true }]]);
    expect([...channel.versions]).toEqual([['a', 'e:6'], ['b', 'e:8']]);
    expect(rejoins).toEqual([]);
  });

  it('a delta for another version than the one held re-joins without a position and skips frames until the sync', () => {
    const { channel, rejoins } = group();
    channel.receive(streamFrame({ ...at, position: 'e:5', event: { type: 'sync', data: [{ n: 1 }], items: [{ id: 'a', version: 'e:5' }] } }));
    channel.receiveDelta(delta('a', 6, 7, [{ type: 'increment', path: 'n', by: 1 }]));
    expect(rejoins).toEqual([{ subscriptionId: 's1', streamName: 'cards', groupId: 'board', deltas: true }]);
    channel.receive(streamFrame({ ...at, id: 'a', position: 'e:8', event: { type: 'update', data: { n: 99 } } }));
    expect(channel.items.get('a')).toEqual({ n: 1 });
    channel.receive(streamFrame({ ...at, position: 'e:8', event: { type: 'sync', data: [{ n: 3 }], items: [{ id: 'a', version: 'e:8' }] } }));
    expect([channel.items.get('a'), channel.versions.get('a'), channel.synced]).toEqual([{ n: 3 }, 'e:8', true]);
  });

  it('a frame not past the mirror’s position is a duplicate and changes nothing (a delta carries no timestamp to tell)', () => {
    const { channel, rejoins } = group();
    channel.receive(streamFrame({ ...at, position: 'e:5', event: { type: 'sync', data: [{ n: 1 }], items: [{ id: 'a', version: 'e:5' }] } }));
    const frame = delta('a', 5, 6, [{ type: 'increment', path: 'n', by: 1 }]);
    channel.receiveDelta(frame);
    channel.receiveDelta(frame);
    channel.receive(streamFrame({ ...at, id: 'a', position: 'e:6', event: { type: 'update', data: { n: 2 } } }));
    expect([channel.items.get('a'), channel.position, rejoins]).toEqual([{ n: 2 }, 'e:6', []]);
  });

  it('a resume whose listed versions are not the mirror’s re-syncs', () => {
    const { channel, rejoins } = group();
    channel.receive(streamFrame({ ...at, position: 'e:5', event: { type: 'sync', data: [{ n: 1 }], items: [{ id: 'a', version: 'e:5' }] } }));
    channel.joinRequest();
    channel.receiveResumed({ type: 'resumed', subscriptionId: 's1', ...at, id: null, replayed: 0, position: 'e:9', items: [{ id: 'a', version: 'e:5' }] });
    expect([channel.resumed, rejoins]).toEqual([true, []]);
    channel.joinRequest();
    channel.receiveResumed({ type: 'resumed', subscriptionId: 's1', ...at, id: null, replayed: 0, position: 'e:9', items: [{ id: 'a', version: 'e:7' }] });
    expect(rejoins).toHaveLength(1);
    expect(channel.synced).toBe(false);
  });

  it('an item whose stored value is null still takes deltas against its version', () => {
    const channel = new ItemChannel<unknown>('s2', 'cards', 'board', 'x', true);
    const rejoins: unknown[] = [];
    channel.rejoin = () => rejoins.push(channel.joinRequest());
    channel.joinRequest();
    channel.receive(streamFrame({ ...at, id: 'x', position: 'e:3', event: { type: 'sync', data: null, version: 'e:3' } }));
    channel.receiveDelta(delta('x', 3, 4, [{ type: 'set', path: '', value: { n: 1 } }]));
    expect([channel.value, channel.version, rejoins]).toEqual([{ n: 1 }, 'e:4', []]);
  });

  it('a delta with no position to place it in (no sync yet) is never applied: it re-syncs', () => {
    const { channel, rejoins } = group();
    channel.receive(streamFrame({ ...at, event: { type: 'sync', data: [{ n: 1 }], items: [{ id: 'a', version: 'e:5' }] } }));
    channel.receiveDelta(delta('a', 5, 6, [{ type: 'increment', path: 'n', by: 1 }]));
    expect([channel.items.get('a'), rejoins]).toEqual([{ n: 1 }, [{ subscriptionId: 's1', streamName: 'cards', groupId: 'board', deltas: true }]]);
  });
});
