import { PresenceHub, type PresenceSocket } from './presence.hub';
import type { PresenceChange, PresenceEntry, PresenceRead, PresenceStore, PresenceListener } from './presence.types';

const limits = { maxMembersPerGroup: 100, maxListedMembers: 100, updatesPerSecond: 10, maxStateBytes: 100, bytesPerSecond: 65_536 };
const entry = (key: string, at = 1): PresenceEntry => ({ instance: 'other', key, record: { data: key, state: null, at } });
const change = (prev: number, version: number, set: string[], removed: string[] = []): PresenceChange => ({
  stream: 's',
  group: 'g',
  prev,
  version,
  instance: 'other',
  ttlMs: 15_000,
  refreshed: false,
  set: set.map((k) => entry(k, version)),
  removed: removed.map((key) => ({ instance: 'other', key })),
});

/** A store whose reads the test answers, one at a time, and a carrier that hands the test the group's listener. */
function rig() {
  const reads: Array<{ since: number | null; answer: (read: PresenceRead) => void }> = [];
  const store: PresenceStore = {
    instance: 'me',
    sweepMs: null,
    put: async () => null,
    remove: async () => null,
    read: (_s, _g, since) => new Promise((answer) => reads.push({ since, answer })),
    close: async () => undefined,
  };
  let listener: PresenceListener | null = null;
  const hub = new PresenceHub(store, { bindPresence: async (_s, _g, l) => void (listener = l), unbindPresence: async () => undefined }, limits);
  const socket = (): PresenceSocket => ({ sendText: () => undefined, presence: null });
  const keys = (s: PresenceSocket) => hub.snapshot(s, 'p')!.members!.map((m) => m.key);
  const settle = () => new Promise((r) => setImmediate(r));
  return { hub, reads, socket, keys, settle, heard: (c: PresenceChange) => listener!.changed(c), lost: () => listener!.lost() };
}

describe('PresenceHub keeps a group from one read plus the changes, in version order', () => {
  it('applies the change after its version, skips one it already has, reads on a gap and applies what came during the read after it', async () => {
    const { hub, reads, socket, keys, settle, heard } = rig();
    const first = socket();
    const entered = hub.enter(first, 'p', 's', 'g', 'members', null);
    await settle();
    expect(reads.map((r) => r.since)).toEqual([null]);
    // Heard before the read's answer: it waits, and is skipped since the read already holds it.
    heard(change(4, 5, ['b']));
    reads.shift()!.answer({ version: 5, entries: [entry('a'), entry('b')] });
    await entered;
    expect(keys(first)).toEqual(['a', 'b']);

    heard(change(5, 6, ['c']));
    heard(change(5, 6, ['c'])); // its echo
    expect(keys(first)).toEqual(['a', 'b', 'c']);
    expect(reads).toEqual([]);

    heard(change(7, 8, ['e'], ['a'])); // 6 → 7 was lost
    await settle();
    expect(reads.map((r) => r.since)).toEqual([6]);
    heard(change(8, 9, ['f']));
    reads.shift()!.answer({ version: 8, entries: [entry('b'), entry('c'), entry('d'), entry('e')] });
    await settle();
    const second = socket();
    await hub.enter(second, 'p', 's', 'g', 'members', null);
    expect(keys(second)).toEqual(['b', 'c', 'd', 'e', 'f']);
    expect(reads).toEqual([]);
    await hub.close();
  });

  it('a renewed subscription reads the group again; a read older than the state held is ignored, version 0 empties it', async () => {
    const { hub, reads, socket, keys, settle, heard, lost } = rig();
    const s = socket();
    const entered = hub.enter(s, 'p', 's', 'g', 'members', null);
    await settle();
    reads.shift()!.answer({ version: 3, entries: [entry('a')] });
    await entered;
    lost();
    await settle();
    heard(change(3, 4, ['b']));
    reads.shift()!.answer({ version: 3, entries: [entry('a')] }); // sent before the change: older than it
    await settle();
    expect(keys(s)).toEqual(['a', 'b']);
    lost();
    await settle();
    reads.shift()!.answer({ version: 0, entries: [] }); // the store holds nothing of the group any more
    await settle();
    expect(keys(s)).toEqual([]);
    await hub.close();
  });
});
