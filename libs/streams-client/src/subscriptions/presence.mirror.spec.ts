import { PresenceMirror } from './presence.mirror';

const ann = { key: 'ann', data: null, state: null };
const bob = { key: 'bob', data: { name: 'Bob' }, state: null };

describe('PresenceMirror (the presence view of a group subscription)', () => {
  it('a list replaces the view; join, update and leave change one member; the count follows every frame', () => {
    const mirror = new PresenceMirror();
    mirror.reset({ count: 1, members: [ann] });
    mirror.apply({ type: 'join', member: bob }, 2);
    mirror.apply({ type: 'update', member: { ...bob, state: { typing: true } } }, 2);
    expect(mirror.count).toBe(2);
    expect([...mirror.members!.values()]).toEqual([ann, { ...bob, state: { typing: true } }]);
    mirror.apply({ type: 'leave', member: ann }, 1);
    expect([...mirror.members!.keys()]).toEqual(['bob']);
    mirror.apply({ type: 'list', count: 1500 }, 1500);
    expect([mirror.count, mirror.members]).toEqual([1500, null]);
  });

  it('a coalesced changes event applies each member change it carries', () => {
    const mirror = new PresenceMirror();
    mirror.reset({ count: 1, members: [ann] });
    mirror.apply({ type: 'changes', events: [{ type: 'leave', member: ann }, { type: 'join', member: bob }, { type: 'update', member: { ...bob, state: 1 } }] }, 1);
    expect([mirror.count, [...mirror.members!.values()]]).toEqual([1, [{ ...bob, state: 1 }]]);
  });

  it('in counts-only mode member events only move the count', () => {
    const mirror = new PresenceMirror();
    mirror.reset({ count: 3 });
    mirror.apply({ type: 'count' }, 4);
    mirror.apply({ type: 'join', member: ann }, 5);
    expect([mirror.count, mirror.members]).toEqual([5, null]);
  });
});
