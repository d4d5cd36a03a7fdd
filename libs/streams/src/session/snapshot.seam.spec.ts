import { MemoryStreamAdapter } from '../adapters/memory/memory.adapter';
import type { StreamEnvelope } from '../adapters/stream-adapter.interface';
import { CustomStreamsRegistry } from '../custom/custom-streams.registry';
import { HubEvent } from '../hub/hub.event';
import { StreamsHub } from '../hub/streams.hub';
import { StreamsMetrics } from '../metrics/streams-metrics';
import { resolveStreamsOptions } from '../options/streams-options.resolver';
import { LocalPresenceStore } from '../presence/local-presence.store';
import { PresenceHub } from '../presence/presence.hub';
import { StreamsStore } from '../service/streams.store';
import { StreamHandlersRegistry } from '../triggers/stream-handlers.registry';
import { GroupBinding } from './snapshot.seam';
import { ClientSession } from './client-session';
import type { SocketPort } from './socket.port';
import { fakePort } from '../../../../test/support/fake-port';
import { StreamsSession } from './streams.session';
import { MemoryMutationLedger } from '../adapters/mutation-ledger/memory-mutation.ledger';
import { MutationHandlersRegistry } from '../mutations/mutation-handlers.registry';
import { MutationsRunner } from '../mutations/mutations.runner';

const defaults = resolveStreamsOptions({});
const metrics = new StreamsMetrics(defaults);
/** A socket's session over a recording port (pure routing logic; the e2e suites use real sockets; no re-sync here). */
const clientOf = (port: SocketPort) => new ClientSession(port, null, defaults.limits, { resync: () => Promise.resolve(), onTaskError: () => undefined });

const envelope = (seq: number, id: string | null, group = 'g'): StreamEnvelope => ({
  seq,
  frame: { type: 'stream', timestamp: 1000 + seq, streamName: 's', groupId: group, id, event: { type: 'update', data: seq } },
});

/** What the hub does for every member bound to the event's group (the socket's binding there, if it has one). */
const deliver = (c: ClientSession, e: StreamEnvelope) =>
  c.subscriptions.binding(e.frame.streamName, e.frame.groupId)?.deliver(new HubEvent(e));

const sub = (subscriptionId: string, id: string | null = null) => ({ subscriptionId, streamName: 's', groupId: 'g', id });
const sync = { type: 'stream' as const, timestamp: 1, streamName: 's', groupId: 'g', id: null, event: { type: 'sync' as const, data: [] } };

describe('SocketSubscriptions routing (the socket side of the snapshot seam)', () => {
  it('snapshot seam (SPEC §7.5): frames racing a join are held, then only those after the snapshot are sent, after the sync', () => {
    const { port, sent } = fakePort();
    const c = clientOf(port);
    c.subscriptions.open(sub('a'));
    deliver(c, envelope(4, 'x')); // published before the snapshot was read: the snapshot holds it
    deliver(c, envelope(5, 'y')); // published after: must follow the sync
    expect(sent).toEqual([]);
    c.subscriptions.activate('a', 4, 'e', sync);
    expect(sent.map((f) => (f as { event: { type: string; data?: unknown } }).event)).toEqual([sync.event, { type: 'update', data: 5 }]);
    deliver(c, envelope(6, 'z'));
    expect(sent).toHaveLength(3);
  });

  it('a second join on a group already live holds frames until its snapshot, without losing them for the first', () => {
    const { port, sent } = fakePort();
    const c = clientOf(port);
    c.subscriptions.open(sub('group'));
    c.subscriptions.activate('group', 0, 'e', null);
    deliver(c, envelope(1, 'x'));
    c.subscriptions.open(sub('item', 'x'));
    deliver(c, envelope(2, 'x'));
    deliver(c, envelope(3, 'y'));
    expect(sent).toHaveLength(1);
    c.subscriptions.activate('item', 2, 'e', null);
    // seq 2 and 3 still go out once each: the group subscription had not seen them.
    expect(sent.map((f) => (f as { event: { data: unknown } }).event.data)).toEqual([1, 2, 3]);
  });

  it('overlapping subscriptions (SPEC §7.3): a frame goes out once however many subscriptions match', () => {
    const { port, sent } = fakePort();
    const c = clientOf(port);
    for (const s of [sub('g1'), sub('g2'), sub('i1', 'x')]) {
      c.subscriptions.open(s);
      c.subscriptions.activate(s.subscriptionId, 0, 'e', null);
    }
    deliver(c, envelope(1, 'x'));
    deliver(c, envelope(2, null));
    expect(sent).toHaveLength(2);
  });

  it('a resume never re-sends what another subscription of the socket already covers (SPEC §7.3)', () => {
    const { port, sent } = fakePort();
    const c = clientOf(port);
    const missed = [envelope(5, 'x'), envelope(6, 'y'), envelope(7, 'x')];
    c.subscriptions.open(sub('group'));
    c.subscriptions.resume('group', missed, 7, 'e', { type: 'resumed' });
    c.subscriptions.open(sub('item', 'x'));
    c.subscriptions.resume('item', [envelope(5, 'x'), envelope(7, 'x')], 7, 'e', { type: 'resumed' });
    expect(sent.map((f) => (f as { type: string; event?: { data: number } }).event?.data ?? (f as { type: string }).type)).toEqual([5, 6, 7, 'resumed', 'resumed']);
  });

  it('an item subscription gets only its item; a closed pending subscription releases held frames', () => {
    const { port, sent } = fakePort();
    const c = clientOf(port);
    c.subscriptions.open(sub('i', 'x'));
    c.subscriptions.activate('i', 0, 'e', null);
    deliver(c, envelope(1, 'y'));
    deliver(c, envelope(2, null));
    expect(sent).toHaveLength(0);
    c.subscriptions.open(sub('g'));
    deliver(c, envelope(3, 'x'));
    expect(c.subscriptions.close('g')).toEqual({ sub: expect.objectContaining({ subscriptionId: 'g' }), unbind: null });
    expect(sent.map((f) => (f as { id: string }).id)).toEqual(['x']);
    expect(c.subscriptions.close('i')?.unbind).toBeInstanceOf(GroupBinding);
    expect(c.subscriptions.close('i')).toBeNull();
  });
});

describe('SocketSubscriptions re-sync and detached subscriptions', () => {
  it('re-sync (SPEC §7.9): frames are held from the instant of the loss, then only those newer than the re-sync snapshot follow its sync', () => {
    const { port, sent } = fakePort();
    const c = clientOf(port);
    c.subscriptions.open(sub('a'));
    c.subscriptions.activate('a', 0, 'e', null);
    const binding = c.subscriptions.binding('s', 'g')!;
    binding.hold(); // the loss
    deliver(c, envelope(7, 'x')); // the group's new history, before the re-sync runs: in its snapshot
    expect(binding.reopen().map((s) => s.subscriptionId)).toEqual(['a']);
    expect(binding.reopen()).toEqual([]);
    deliver(c, envelope(9, 'y')); // after the snapshot
    c.subscriptions.activate('a', 8, 'e', { ...sync, event: { type: 'sync', data: [], continuityLost: true } });
    deliver(c, envelope(10, 'y'));
    // The sync is out; the frames wait for the end of the hold (other subscriptions of the group may still re-sync).
    expect(sent.map((f) => (f as { event: { type: string } }).event.type)).toEqual(['sync']);
    binding.release();
    expect(sent.map((f) => (f as { event: { data: unknown } }).event.data)).toEqual([[], 9, 10]);
  });

  it('a detached subscription is bound to nothing (frames of its siblings flow), still counts, and is ended by a leave', () => {
    const { port, sent } = fakePort();
    const c = clientOf(port);
    c.subscriptions.open(sub('live'));
    c.subscriptions.activate('live', 0, 'e', null);
    c.subscriptions.open(sub('failed', 'x'));
    expect(c.subscriptions.detach('failed')).toMatchObject({ unbind: null });
    expect(c.subscriptions.detach('failed')).toBeNull();
    deliver(c, envelope(1, 'x')); // not held for the detached one
    expect(sent).toHaveLength(1);
    expect(c.subscriptions.has('failed')).toBe(true);
    expect(c.subscriptions.close('failed')).toMatchObject({ unbind: null });
    expect(c.subscriptions.close('live')?.unbind).toBeInstanceOf(GroupBinding);
  });

  it('reattach puts only the same detached subscription back in its snapshot phase, not one that replaced it', () => {
    const { port, sent } = fakePort();
    const c = clientOf(port);
    c.subscriptions.open(sub('a'));
    const detached = c.subscriptions.detach('a')!;
    expect(detached.unbind).toBeInstanceOf(GroupBinding);
    expect(c.subscriptions.reattach(detached.sub)).toBe(true);
    expect(c.subscriptions.reattach(detached.sub)).toBe(false);
    deliver(c, envelope(3, 'x'));
    c.subscriptions.activate('a', 2, 'e', sync);
    expect(sent).toHaveLength(2);
    const again = c.subscriptions.detach('a')!;
    c.subscriptions.close('a');
    c.subscriptions.open(sub('a'));
    expect(c.subscriptions.reattach(again.sub)).toBe(false);
  });
});

describe('A continuity loss, from the adapter through the hub to the socket (SPEC §7.9)', () => {
  it('no frame of the group reaches the socket from the loss until its continuityLost sync; then only those newer than that sync', async () => {
    const options = resolveStreamsOptions({});
    const adapter = new MemoryStreamAdapter();
    const hub = new StreamsHub(adapter);
    const presence = new PresenceHub(new LocalPresenceStore(), hub, options.presence);
    const session = new StreamsSession(options, new StreamsStore(adapter, new CustomStreamsRegistry()), new StreamHandlersRegistry(metrics, options), metrics, presence, hub, mutationsRunner(options));
    // `queued` resolves once the socket's inbound queue has run everything queued before it (the join, the re-sync).
    const { port, sent, drained: queued } = fakePort();
    session.opened(port, { context: null, expiresAt: null }, { streamName: 's', groupId: 'g', itemId: null });
    await queued();
    const first = await adapter.set('s', 'g', 'counter', 1);

    // What the Redis subscriber does when a group's history starts over: it tells the sink, then delivers at
    // once (memory delivers inside the write): an event of the new history, and a late one of the old.
    hub.continuityLost('s', 'g');
    await adapter.set('s', 'g', 'counter', 2);
    hub.deliver(first.envelope!);
    await queued();
    await adapter.set('s', 'g', 'counter', 3);

    const events = sent.map((f) => (f as { event: { type: string; data: unknown; continuityLost?: boolean } }).event);
    expect(events).toEqual([
      { type: 'sync', data: [] },
      { type: 'create', data: 1 },
      { type: 'sync', data: [2], continuityLost: true },
      { type: 'update', data: 3 },
    ]);
    await Promise.all([adapter.close(), presence.close()]);
  });
});

function mutationsRunner(options: ReturnType<typeof resolveStreamsOptions>): MutationsRunner {
  return new MutationsRunner(options, new MemoryMutationLedger(options.mutations), new MutationHandlersRegistry(), metrics);
}

describe('GroupBinding and deltas (SPEC §9)', () => {
  const pad = 'p'.repeat(300);
  const changed = (seq: number, base: number, id = 'x'): StreamEnvelope => ({
    seq,
    epoch: 'e',
    frame: { type: 'stream', timestamp: 1000 + seq, streamName: 's', groupId: 'g', id, event: { type: 'update', data: { seq, pad } } },
    change: { base: `e:${base}`, ops: [{ type: 'increment', path: 'seq', by: seq - base }] },
  });
  const kinds = (sent: ReturnType<typeof fakePort>['sent']) => sent.map((f) => (f.type === 'delta' ? 'delta' : 'full'));

  it('sends the change only while it can prove the subscription holds its base: after a gap in the group’s events, full values', () => {
    const { port, sent } = fakePort();
    const c = clientOf(port);
    c.subscriptions.open({ ...sub('d'), deltas: true });
    c.subscriptions.activate('d', 4, 'e', null);
    deliver(c, changed(5, 2)); // base in the snapshot
    deliver(c, changed(6, 5)); // base sent just before
    deliver(c, changed(8, 6)); // seq 7 never reached this binding: the run since the snapshot is broken
    deliver(c, changed(9, 3)); // but a base in the snapshot still is
    expect(kinds(sent)).toEqual(['delta', 'delta', 'full', 'delta']);
  });

  it('a socket whose plain and delta subscriptions share a frame gets it whole, once', () => {
    const { port, sent } = fakePort();
    const c = clientOf(port);
    c.subscriptions.open({ ...sub('d'), deltas: true });
    c.subscriptions.open(sub('plain', 'x'));
    c.subscriptions.activate('d', 4, 'e', null);
    c.subscriptions.activate('plain', 4, 'e', null);
    deliver(c, changed(5, 2));
    deliver(c, changed(6, 2, 'y'));
    expect(kinds(sent)).toEqual(['full', 'delta']);
  });

  it('never across epochs: a change of another epoch than the subscription’s snapshot goes whole (a delta frame names no epoch)', () => {
    const { port, sent } = fakePort();
    const c = clientOf(port);
    c.subscriptions.open({ ...sub('d'), deltas: true });
    c.subscriptions.activate('d', 4, 'old', null);
    deliver(c, changed(5, 2)); // epoch 'e' after a snapshot of epoch 'old': seqs do not compare
    c.subscriptions.open({ ...sub('d2', 'x'), deltas: true });
    c.subscriptions.activate('d2', 5, 'e', null);
    deliver(c, changed(6, 5)); // the socket's other subscription is still of 'old': whole, once
    expect(kinds(sent)).toEqual(['full', 'full']);
  });
});
