import type { WebSocket } from 'ws';
import { groupKey } from '../adapters/group.key';
import type { StreamEnvelope } from '../adapters/stream-adapter.interface';
import { StreamsMetrics } from '../metrics/streams-metrics';
import { resolveStreamsOptions } from '../options/streams-options.resolver';
import { HubEvent } from '../hub/hub.event';
import { StreamConnection } from './stream-connection';

/** A stand-in socket that records what was sent (pure routing logic; the e2e suite uses real sockets). */
function fakeSocket() {
  const sent: unknown[] = [];
  const socket = { OPEN: 1, readyState: 1, bufferedAmount: 0, send: (data: Buffer | string) => sent.push(JSON.parse(data.toString())) };
  return { socket: socket as unknown as WebSocket, sent };
}

const metrics = new StreamsMetrics(resolveStreamsOptions({}));
const limits = { maxBufferedBytes: 1 << 20, maxQueuedMessages: 64, maxQueuedBytes: 1 << 20, joinBurst: 100, joinsPerSecond: 100, writeFastPath: true };

const envelope = (seq: number, id: string | null, group = 'g'): StreamEnvelope => ({
  seq,
  frame: { type: 'stream', timestamp: 1000 + seq, streamName: 's', groupId: group, id, event: { type: 'update', data: seq } },
});

/** What the hub does for every member: hands it the event with the group's key. */
const deliver = (c: StreamConnection, e: StreamEnvelope) => c.deliver(new HubEvent(e, groupKey(e.frame.streamName, e.frame.groupId)));

const sub = (subscriptionId: string, id: string | null = null) => ({ subscriptionId, streamName: 's', groupId: 'g', id });
const sync = { type: 'stream' as const, timestamp: 1, streamName: 's', groupId: 'g', id: null, event: { type: 'sync' as const, data: [] } };

describe('StreamConnection routing', () => {
  it('snapshot seam (SPEC §7.5): frames racing a join are held, then only those after the snapshot are sent, after the sync', () => {
    const { socket, sent } = fakeSocket();
    const c = new StreamConnection(socket, null, metrics, limits);
    c.open(sub('a'));
    deliver(c, envelope(4, 'x')); // published before the snapshot was read: the snapshot holds it
    deliver(c, envelope(5, 'y')); // published after: must follow the sync
    expect(sent).toEqual([]);
    c.activate('a', 4, sync);
    expect(sent.map((f) => (f as { event: { type: string; data?: unknown } }).event)).toEqual([sync.event, { type: 'update', data: 5 }]);
    deliver(c, envelope(6, 'z'));
    expect(sent).toHaveLength(3);
  });

  it('a second join on a group already live holds frames until its snapshot, without losing them for the first', () => {
    const { socket, sent } = fakeSocket();
    const c = new StreamConnection(socket, null, metrics, limits);
    c.open(sub('group'));
    c.activate('group', 0, null);
    deliver(c, envelope(1, 'x'));
    c.open(sub('item', 'x'));
    deliver(c, envelope(2, 'x'));
    deliver(c, envelope(3, 'y'));
    expect(sent).toHaveLength(1);
    c.activate('item', 2, null);
    // seq 2 and 3 still go out once each: the group subscription had not seen them.
    expect(sent.map((f) => (f as { event: { data: unknown } }).event.data)).toEqual([1, 2, 3]);
  });

  it('overlapping subscriptions (SPEC §7.3): a frame goes out once however many subscriptions match', () => {
    const { socket, sent } = fakeSocket();
    const c = new StreamConnection(socket, null, metrics, limits);
    for (const s of [sub('g1'), sub('g2'), sub('i1', 'x')]) {
      c.open(s);
      c.activate(s.subscriptionId, 0, null);
    }
    deliver(c, envelope(1, 'x'));
    deliver(c, envelope(2, null));
    expect(sent).toHaveLength(2);
  });

  it('a resume never re-sends what another subscription of the socket already covers (SPEC §7.3)', () => {
    const { socket, sent } = fakeSocket();
    const c = new StreamConnection(socket, null, metrics, limits);
    const missed = [envelope(5, 'x'), envelope(6, 'y'), envelope(7, 'x')];
    c.open(sub('group'));
    c.resume('group', missed, 7, { type: 'resumed' });
    c.open(sub('item', 'x'));
    c.resume('item', [envelope(5, 'x'), envelope(7, 'x')], 7, { type: 'resumed' });
    expect(sent.map((f) => (f as { type: string; event?: { data: number } }).event?.data ?? (f as { type: string }).type)).toEqual([5, 6, 7, 'resumed', 'resumed']);
  });

  it('an item subscription gets only its item; a closed pending subscription releases held frames', () => {
    const { socket, sent } = fakeSocket();
    const c = new StreamConnection(socket, null, metrics, limits);
    c.open(sub('i', 'x'));
    c.activate('i', 0, null);
    deliver(c, envelope(1, 'y'));
    deliver(c, envelope(2, null));
    expect(sent).toHaveLength(0);
    c.open(sub('g'));
    deliver(c, envelope(3, 'x'));
    expect(c.close('g')).toEqual({ sub: expect.objectContaining({ subscriptionId: 'g' }), lastOfGroup: false });
    expect(sent.map((f) => (f as { id: string }).id)).toEqual(['x']);
    expect(c.close('i')).toMatchObject({ lastOfGroup: true });
    expect(c.close('i')).toBeNull();
  });
});

describe('StreamConnection re-sync and detached subscriptions', () => {
  const connection = (socket: WebSocket) => new StreamConnection(socket, null, metrics, limits);

  it('re-sync (SPEC §7.9): reopened subscriptions hold the group frames until their new sync, then send only newer ones', () => {
    const { socket, sent } = fakeSocket();
    const c = connection(socket);
    c.open(sub('a'));
    c.activate('a', 0, null);
    expect(c.reopen('s', 'g').map((s) => s.subscriptionId)).toEqual(['a']);
    expect(c.reopen('s', 'other')).toEqual([]);
    deliver(c, envelope(7, 'x')); // in the new snapshot
    deliver(c, envelope(9, 'y')); // after it
    expect(sent).toEqual([]);
    c.activate('a', 8, { ...sync, event: { type: 'sync', data: [], continuityLost: true } });
    expect(sent.map((f) => (f as { event: { type: string } }).event.type)).toEqual(['sync', 'update']);
  });

  it('a detached subscription is bound to nothing (frames of its siblings flow), still counts, and is ended by a leave', () => {
    const { socket, sent } = fakeSocket();
    const c = connection(socket);
    c.open(sub('live'));
    c.activate('live', 0, null);
    c.open(sub('failed', 'x'));
    expect(c.detach('failed')).toMatchObject({ lastOfGroup: false });
    expect(c.detach('failed')).toBeNull();
    deliver(c, envelope(1, 'x')); // not held for the detached one
    expect(sent).toHaveLength(1);
    expect(c.subscriptions.has('failed')).toBe(true);
    expect(c.close('failed')).toMatchObject({ lastOfGroup: false });
    expect(c.close('live')).toMatchObject({ lastOfGroup: true });
  });

  it('reattach puts only the same detached subscription back in its snapshot phase, not one that replaced it', () => {
    const { socket, sent } = fakeSocket();
    const c = connection(socket);
    c.open(sub('a'));
    const detached = c.detach('a')!;
    expect(detached.lastOfGroup).toBe(true);
    expect(c.reattach(detached.sub)).toBe(true);
    expect(c.reattach(detached.sub)).toBe(false);
    deliver(c, envelope(3, 'x'));
    c.activate('a', 2, sync);
    expect(sent).toHaveLength(2);
    const again = c.detach('a')!;
    c.close('a');
    c.open(sub('a'));
    expect(c.reattach(again.sub)).toBe(false);
  });
});
