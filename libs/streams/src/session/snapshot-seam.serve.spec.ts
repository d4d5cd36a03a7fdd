import type { StreamEnvelope, StreamSnapshot } from '../adapters/stream-adapter.interface';
import { HubEvent } from '../hub/hub.event';
import type { GroupMember } from '../hub/streams.hub';
import { ClientSession } from './client-session';
import { SnapshotSeam } from './snapshot.seam';
import type { SocketPort } from './socket.port';
import { fakePort } from '../../../../test/support/fake-port';

/** A hub whose bind resolves when the test says (the adapter's watch), delivering to the members bound so far. */
function fakeHub(log: string[]) {
  const members = new Set<GroupMember>();
  let resolveWatch!: () => void;
  const watched = new Promise<void>((resolve) => (resolveWatch = resolve));
  return {
    bind: async (_stream: string, _group: string, member: GroupMember) => {
      log.push('bind');
      members.add(member);
      await watched;
      log.push('bound');
    },
    unbind: async (_stream: string, _group: string, member: GroupMember) => void members.delete(member),
    watch: () => resolveWatch(),
    publish: (seq: number) => {
      const event = new HubEvent(envelope(seq));
      for (const member of members) member.deliver(event);
    },
  };
}

const envelope = (seq: number): StreamEnvelope => ({
  seq,
  epoch: 'e',
  frame: { type: 'stream', timestamp: 1000 + seq, streamName: 's', groupId: 'g', id: `i${seq}`, event: { type: 'update', data: seq } },
});

/** A store whose snapshot read runs `during` (writes racing the read) and is at `seq`. */
function fakeStore(log: string[], seq: number, during: () => void = () => undefined) {
  return {
    snapshot: async (): Promise<StreamSnapshot> => {
      log.push('snapshot');
      during();
      return { seq, epoch: 'e', timestamp: 1000 + seq, data: [] };
    },
    replay: async () => null,
  };
}

const request = { subscriptionId: 'a', streamName: 's', groupId: 'g', id: null };
const extras = { continuityLost: false, presence: () => ({}) };
const sessionOf = (port: SocketPort) => new ClientSession(port, null, { subscriptionsPerSocket: 1, joinsPerSecond: 1 }, { resync: async () => undefined, onTaskError: () => undefined });

describe('SnapshotSeam.serve at the port (SPEC §7.5)', () => {
  it('binds the group and waits for its events to flow before it reads the snapshot', async () => {
    const log: string[] = [];
    const hub = fakeHub(log);
    const { port } = fakePort();
    const session = sessionOf(port);
    const seam = new SnapshotSeam(hub, fakeStore(log, 0), { subscriptions: 0 });
    seam.open(session, request);
    const served = seam.serve(session, request, extras);
    await new Promise((resolve) => setImmediate(resolve));
    expect(log).toEqual(['bind']);
    hub.watch();
    await served;
    expect(log).toEqual(['bind', 'bound', 'snapshot']);
  });

  it('holds the events racing the read and, after the sync, sends only those above the snapshot, in order', async () => {
    const log: string[] = [];
    const hub = fakeHub(log);
    const { port, sent } = fakePort();
    const session = sessionOf(port);
    // Events 5 and 6 arrive once the group is watched, 7 and 8 while the snapshot (at 6) is read.
    const store = fakeStore(log, 6, () => [7, 8].forEach(hub.publish));
    const seam = new SnapshotSeam(hub, store, { subscriptions: 0 });
    seam.open(session, request);
    hub.watch();
    const served = seam.serve(session, request, extras);
    [5, 6].forEach(hub.publish);
    await served;
    hub.publish(9);
    expect(sent.map((f) => (f.event?.type === 'sync' ? 'sync' : f.event?.data))).toEqual(['sync', 7, 8, 9]);
  });
});
