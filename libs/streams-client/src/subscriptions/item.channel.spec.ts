import { streamFrame } from '../testing/fake-websocket';
import { ItemChannel, type ItemChange } from './item.channel';

const item = { streamName: 'metrics', groupId: 'server', id: 'current' };

describe('ItemChannel: the local mirror of one item', () => {
  it('follows sync, create, update and delete; the change carries the value after it', () => {
    const channel = new ItemChannel<{ n: number }>('s1', 'metrics', 'server', 'current');
    const changes: ItemChange<{ n: number }>[] = [];
    channel.changes.on('change', (c) => changes.push(c));
    channel.receive(streamFrame({ ...item, event: { type: 'sync', data: null } }));
    expect(channel.value).toBeNull();
    channel.receive(streamFrame({ ...item, event: { type: 'create', data: { n: 1 } } }));
    channel.receive(streamFrame({ ...item, event: { type: 'update', data: { n: 2 } } }));
    expect(channel.value).toEqual({ n: 2 });
    channel.receive(streamFrame({ ...item, event: { type: 'delete', data: { n: 2 } } }));
    expect(channel.value).toBeNull();
    expect(changes.map((c) => [c.type, c.value])).toEqual([
      ['sync', null],
      ['create', { n: 1 }],
      ['update', { n: 2 }],
      ['delete', null],
    ]);
  });

  it('resumes from its own position: replayed frames of its item apply, then resumed', () => {
    const channel = new ItemChannel<{ n: number }>('s1', 'metrics', 'server', 'current');
    channel.joinRequest();
    channel.receive(streamFrame({ ...item, timestamp: 10, position: 'e:4', event: { type: 'sync', data: { n: 1 } } }));
    expect(channel.joinRequest()).toMatchObject({ id: 'current', position: 'e:4' });
    channel.receive(streamFrame({ ...item, timestamp: 12, position: 'e:6', event: { type: 'update', data: { n: 3 } } }));
    channel.receiveResumed({ type: 'resumed', subscriptionId: 's1', ...item, replayed: 1, position: 'e:9' });
    expect([channel.value, channel.synced, channel.resumed, channel.position]).toEqual([{ n: 3 }, true, true, 'e:9']);
  });

  it('its join request names the item', () => {
    expect(new ItemChannel('s9', 'metrics', 'server', 'current').joinRequest()).toEqual({ subscriptionId: 's9', streamName: 'metrics', groupId: 'server', id: 'current' });
  });
});
