import fc from 'fast-check';
import type { UpdateOp } from 'nest-realtime-streams';
import { StreamsClient } from 'nest-realtime-streams-client';
import { onEveryAdapter } from '../support/every-adapter';
import { FaultySockets } from '../support/faulty-socket';
import { startStreamsApp, type StreamsTestApp } from '../support/streams-app';
import { waitFor } from '../support/wait-for';

/**
 * SPEC §9, the mirror property: whatever sequence of writes, disconnects, dropped and duplicated frames and writes
 * the history window no longer holds, a delta subscription's mirror (values AND versions) equals the server's
 * state after every step. Values carry no `id` field: the mirror is keyed by the ids the sync names.
 */

const ITEMS = ['a', 'b', 'c'] as const;
/** Small, so a burst of writes while disconnected falls out of it and the resume turns into a re-sync. */
const HISTORY = 6;

type Write =
  | { kind: 'set'; item: string; value: Record<string, unknown> }
  | { kind: 'update'; item: string; ops: UpdateOp[] }
  | { kind: 'delete'; item: string };

type Step =
  | Write
  | { kind: 'cut' }
  /** The frame of a write is lost without the connection noticing, then the item is written again. */
  | { kind: 'drop'; first: Write; then: Write }
  | { kind: 'duplicate'; write: Write }
  /** The frame of a write is lost, then the connection is cut: the resume finds the mirror at other versions. */
  | { kind: 'dropThenCut'; write: Write }
  /** Writes while the client is cut off, more than the history keeps: they are never replayed to it. */
  | { kind: 'beyondHistory'; writes: Write[] };

const item = fc.constantFrom(...ITEMS);
const key = fc.constantFrom('n', 'text', 'flag', 'tags');
const scalar = fc.oneof(fc.integer({ min: -50, max: 50 }), fc.string({ maxLength: 6 }), fc.boolean(), fc.constant(null));
/** Values carry a long `note` no op touches, so most changes are smaller than the value and go as deltas. */
const value = fc.record(
  { n: fc.integer({ min: 0, max: 100 }), text: fc.string({ maxLength: 40 }), note: fc.string({ minLength: 300, maxLength: 400 }), tags: fc.array(scalar, { maxLength: 4 }), flag: scalar },
  { requiredKeys: ['note'] },
);
const op: fc.Arbitrary<UpdateOp> = fc.oneof(
  fc.record({ type: fc.constant('increment' as const), path: fc.constant('n'), by: fc.integer({ min: 1, max: 9 }) }),
  fc.record({ type: fc.constant('append' as const), path: fc.constant('text'), value: fc.string({ minLength: 1, maxLength: 5 }) }),
  fc.record({ type: fc.constant('append' as const), path: fc.constant('tags'), value: scalar }),
  fc.record({ type: fc.constant('set' as const), path: key, value: scalar }),
  fc.record({ type: fc.constant('remove' as const), path: key }),
  fc.record({ type: fc.constant('merge' as const), value: fc.dictionary(key, scalar, { maxKeys: 2 }) }),
);
const write: fc.Arbitrary<Write> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('set' as const), item, value }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('update' as const), item, ops: fc.array(op, { minLength: 1, maxLength: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), item }) },
);
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 10, arbitrary: write },
  { weight: 1, arbitrary: fc.constant({ kind: 'cut' as const }) },
  {
    weight: 2,
    arbitrary: fc
      // Writes that always publish (a delete of a missing item publishes nothing, so nothing would be lost).
      .tuple(write.filter((w) => w.kind !== 'delete'), fc.record({ kind: fc.constant('update' as const), ops: fc.array(op, { minLength: 1, maxLength: 2 }) }))
      .map(([first, then]): Step => ({ kind: 'drop', first, then: { ...then, item: first.item } })),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('duplicate' as const), write }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('dropThenCut' as const), write: write.filter((w) => w.kind !== 'delete') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('beyondHistory' as const), writes: fc.array(write, { minLength: HISTORY + 1, maxLength: HISTORY + 4 }) }) },
);

onEveryAdapter('deltas-mirror', (adapter, options, cleanup) => {
  describe(`a delta subscription's mirror equals the server (${adapter})`, () => {
    let t: StreamsTestApp;
    let run = 0;
    const totals = { delta: 0, full: 0, dropped: 0, duplicated: 0, resyncs: 0 };

    beforeAll(async () => {
      t = await startStreamsApp({ ...options(), history: { size: HISTORY } });
    });
    afterAll(async () => {
      await t.app.close();
      await cleanup();
    });

    it('after every step of random writes and faults', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(step, { minLength: 5, maxLength: 18 }), async (steps) => {
          const group = { stream_name: 'mirror', group_id: `g${++run}` };
          const faults = new FaultySockets();
          const client = new StreamsClient({ url: t.url, WebSocket: faults.WebSocket, reconnect: { initialDelayMs: 5, maxDelayMs: 20 } });
          const joins = countJoins(client);
          const groupSub = client.subscribeGroup('mirror', group.group_id, { deltas: true });
          const itemSub = client.subscribeItem('mirror', group.group_id, 'a', { deltas: true });
          const apply = async (w: Write) => {
            const at = { ...group, item_id: w.item };
            if (w.kind === 'set') await t.service.set({ ...at, data: w.value });
            else if (w.kind === 'update') await t.service.update({ ...at, ops: w.ops });
            else await t.service.delete(at);
          };
          /** The server's items and versions, read through the service; the mirror must hold exactly these. */
          const converged = async (): Promise<boolean> => {
            if (!groupSub.synced || !itemSub.synced) return false;
            for (const id of ITEMS) {
              const server = await t.service.getVersioned({ ...group, item_id: id });
              const mirrored = groupSub.items.get(id);
              if (server.version === null ? groupSub.items.has(id) : !sameJson(mirrored, server.value) || groupSub.versions.get(id) !== server.version) return false;
              if (id === 'a' && (!sameJson(itemSub.value, server.value) || itemSub.version !== server.version)) return false;
            }
            return true;
          };
          const settle = (what: string) => waitFor(converged, { ms: 3000, what: `the mirror after ${what}` });
          try {
            await waitFor(() => groupSub.synced && itemSub.synced, { ms: 3000, what: 'the first syncs' });
            for (const s of steps) {
              if (s.kind === 'cut') faults.cut();
              else if (s.kind === 'drop') {
                faults.dropItem = s.first.item;
                await apply(s.first);
                await waitFor(() => faults.dropItem === null, { ms: 3000, what: 'the dropped frame' });
                await apply(s.then);
              } else if (s.kind === 'dropThenCut') {
                faults.dropItem = s.write.item;
                await apply(s.write);
                await waitFor(() => faults.dropItem === null, { ms: 3000, what: 'the dropped frame' });
                faults.cut();
              } else if (s.kind === 'duplicate') {
                faults.duplicate = 1;
                await apply(s.write);
              } else if (s.kind === 'beyondHistory') {
                faults.cut();
                for (const w of s.writes) await apply(w);
              } else await apply(s);
              await settle(s.kind);
              faults.duplicate = 0;
            }
          } finally {
            client.close();
            totals.delta += faults.tally.delta;
            totals.full += faults.tally.full;
            totals.dropped += faults.tally.dropped;
            totals.duplicated += faults.tally.duplicated;
            totals.resyncs += joins.resyncs();
          }
        }),
        { numRuns: 40, interruptAfterTimeLimit: 15_000 },
      );
      process.stdout.write(`deltas-mirror ${adapter}: ${JSON.stringify(totals)}\n`);
      // The run exercised what it claims to: deltas applied, frames lost and repeated, re-syncs by the client.
      expect(totals.delta).toBeGreaterThan(20);
      expect(totals.dropped).toBeGreaterThan(0);
      expect(totals.resyncs).toBeGreaterThan(0);
    }, 30_000);

    describe('named cases, through the typed client', () => {
      const padded = (n: number) => ({ n, note: 'n'.repeat(400) });
      async function subscribed(group: string, reconnectMs = 5) {
        const faults = new FaultySockets();
        const client = new StreamsClient({ url: t.url, WebSocket: faults.WebSocket, reconnect: { initialDelayMs: reconnectMs, maxDelayMs: reconnectMs, jitter: 0 } });
        const sub = client.subscribeGroup('named', group, { deltas: true });
        await waitFor(() => sub.synced, { what: 'the sync' });
        return { faults, client, sub };
      }
      const at = (group: string) => ({ stream_name: 'named', group_id: group, item_id: 'x' });
      const increment = [{ type: 'increment' as const, path: 'n', by: 1 }];

      it('a delta after a resume that replayed nothing', async () => {
        const group = `resume-${adapter}`;
        await t.service.set({ ...at(group), data: padded(0) });
        const { faults, client, sub } = await subscribed(group);
        const synced = sub.position;
        faults.cut();
        await waitFor(() => sub.resumed && sub.position === synced, { what: 'the resume' });
        const { version } = await t.service.update({ ...at(group), ops: increment });
        await waitFor(() => sub.versions.get('x') === version, { what: 'the delta' });
        expect(sub.items.get('x')).toEqual(padded(1));
        expect(faults.tally.delta).toBe(1);
        client.close();
      });

      it('a delta after writes that bypassed the history window (the resume becomes a re-sync)', async () => {
        const group = `beyond-${adapter}`;
        await t.service.set({ ...at(group), data: padded(0) });
        // Reconnects only after the writes below, so its resume finds them gone from the history.
        const { faults, client, sub } = await subscribed(group, 1000);
        faults.cut();
        for (let i = 1; i <= HISTORY + 2; i++) await t.service.update({ ...at(group), ops: increment });
        await waitFor(() => sub.continuityLost, { what: 'the re-sync' });
        const { version } = await t.service.update({ ...at(group), ops: increment });
        await waitFor(() => sub.versions.get('x') === version, { what: 'the delta' });
        expect(sub.items.get('x')).toEqual(padded(HISTORY + 3));
        expect(faults.tally.delta).toBeGreaterThanOrEqual(1);
        client.close();
      });

      it('a delta larger than the value is sent whole', async () => {
        const group = `whole-${adapter}`;
        await t.service.set({ ...at(group), data: { n: 0 } });
        const { faults, client, sub } = await subscribed(group);
        const { version } = await t.service.update({ ...at(group), ops: Array.from({ length: 10 }, () => increment[0]) });
        await waitFor(() => sub.versions.get('x') === version, { what: 'the update' });
        expect(sub.items.get('x')).toEqual({ n: 10 });
        expect(faults.tally).toMatchObject({ delta: 0, full: 2 });
        client.close();
      });
    });
  });
});

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** Counts the joins a client sent on a live socket beyond one per subscription and connection: its re-syncs. */
function countJoins(client: StreamsClient): { resyncs(): number } {
  let resyncs = 0;
  const internals = client as unknown as { send(message: { type: string; data?: { position?: string } }): void };
  const send = internals.send.bind(client);
  internals.send = (message) => {
    // A re-sync is the one join sent without a position while the subscription was already synced once.
    if (message.type === 'join' && message.data?.position === undefined && (client as unknown as { current: string }).current === 'open' && seen.has(JSON.stringify(message.data))) resyncs++;
    if (message.type === 'join') seen.add(JSON.stringify(message.data));
    send(message);
  };
  const seen = new Set<string>();
  return { resyncs: () => resyncs };
}
