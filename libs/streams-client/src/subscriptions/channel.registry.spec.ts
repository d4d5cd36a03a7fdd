import { streamFrame } from '../testing/fake-websocket';
import { ChannelRegistry } from './channel.registry';
import { GroupChannel, idExtractor } from './group.channel';
import { ItemChannel } from './item.channel';

describe('ChannelRegistry: routing frames that carry no subscription id', () => {
  const setup = () => {
    const registry = new ChannelRegistry();
    const group = new GroupChannel<{ id: string }>('g', 'chat', 'room', idExtractor('id'));
    const item = new ItemChannel<{ id: string }>('i', 'chat', 'room', 'm1');
    const otherGroup = new GroupChannel<{ id: string }>('o', 'chat', 'room:2', idExtractor('id'));
    for (const c of [group, item, otherGroup]) registry.add(c);
    for (const c of [group, item, otherGroup]) c.joinRequest();
    return { registry, group, item, otherGroup };
  };

  it('a change of an item reaches its group and that item; other groups (even with look-alike names) nothing', () => {
    const { registry, group, item, otherGroup } = setup();
    registry.route(streamFrame({ streamName: 'chat', groupId: 'room', id: 'm1', event: { type: 'create', data: { id: 'm1' } } }));
    registry.route(streamFrame({ streamName: 'chat', groupId: 'room', id: 'm2', event: { type: 'create', data: { id: 'm2' } } }));
    expect([...group.items.keys()]).toEqual(['m1', 'm2']);
    expect(item.value).toEqual({ id: 'm1' });
    expect(otherGroup.items.size).toBe(0);
  });

  it("an item join's sync goes to the item only, a group join's sync to the group only", () => {
    const { registry, group, item } = setup();
    registry.route(streamFrame({ streamName: 'chat', groupId: 'room', id: 'm1', event: { type: 'sync', data: { id: 'm1' } } }));
    expect(group.synced).toBe(false);
    expect(item.value).toEqual({ id: 'm1' });
    registry.route(streamFrame({ streamName: 'chat', groupId: 'room', id: null, event: { type: 'sync', data: [{ id: 'm9' }] } }));
    expect([...group.items.keys()]).toEqual(['m9']);
    expect(item.value).toEqual({ id: 'm1' });
  });

  it('a resumed frame goes to the subscription it names only', () => {
    const { registry, group, item } = setup();
    const twin = new GroupChannel<{ id: string }>('g2', 'chat', 'room', idExtractor('id'));
    registry.add(twin);
    twin.joinRequest();
    registry.routeResumed({ type: 'resumed', subscriptionId: 'g2', streamName: 'chat', groupId: 'room', id: null, replayed: 0, position: 'e:3' });
    registry.routeResumed({ type: 'resumed', subscriptionId: 'i', streamName: 'chat', groupId: 'room', id: 'other', replayed: 0, position: 'e:3' });
    expect([twin.resumed, group.resumed, item.resumed]).toEqual([true, false, false]);
  });

  it('a removed channel gets nothing more', () => {
    const { registry, group } = setup();
    expect(registry.remove(group)).toBe(true);
    expect(registry.remove(group)).toBe(false);
    registry.route(streamFrame({ streamName: 'chat', groupId: 'room', id: 'm1', event: { type: 'create', data: { id: 'm1' } } }));
    expect(group.items.size).toBe(0);
    expect(registry.all()).toHaveLength(2);
  });
});
