import WebSocket from 'ws';
import type { WebSocketConstructor } from 'nest-realtime-streams-client';
import { setFigure, watchBoard, type Card } from '../../examples/large-items.example';
import { streamAnswer, watchAnswer } from '../../examples/streaming-text.example';
import { FaultySockets } from '../support/faulty-socket';
import { startStreamsApp, type StreamsTestApp } from '../support/streams-app';
import { waitFor } from '../support/wait-for';

describe('the deltas guides’ examples (docs/guides/streaming-text.md, docs/guides/large-items.md)', () => {
  let t: StreamsTestApp;
  beforeAll(async () => {
    t = await startStreamsApp();
  });
  afterAll(() => t.app.close());

  it('streams an answer token by token: the watcher ends with the whole text, having received each token as a delta', async () => {
    const faults = new FaultySockets();
    const tokens = Array.from({ length: 300 }, (_, i) => `tok${i % 10} `);
    let shown = '';
    let finished = false;
    const answer = watchAnswer(t.url, 'conv-1', 'a1', (text, done) => {
      shown = text;
      finished = done;
    }, faults.WebSocket);
    await waitFor(() => answer.synced, { what: 'the sync' });
    await streamAnswer(t.service, 'conv-1', 'a1', (async function* () {
      yield* tokens;
    })());
    await waitFor(() => finished, { what: 'the end of the answer' });
    expect(shown).toBe(tokens.join(''));
    // The first tokens go whole while the text is shorter than a delta frame; the rest as deltas.
    expect(faults.tally.delta).toBeGreaterThan(250);
    const perToken = faults.tally.bytes / (tokens.length + 2);
    expect(perToken).toBeLessThan(400);
  });

  it('keeps a board of large cards without id fields, one figure at a time', async () => {
    const card = (n: number): Card => Object.fromEntries([...Array.from({ length: 30 }, (_, i) => [`label${i}`, `metric ${i} ${'-'.repeat(60)}`]), ['cpu', n]]);
    await t.service.set({ stream_name: 'cards', group_id: 'ops', item_id: 'host-1', data: card(10) });
    await t.service.set({ stream_name: 'cards', group_id: 'ops', item_id: 'host-2', data: card(20) });
    const { client, cards } = watchBoard(t.url, 'ops', WebSocket as unknown as WebSocketConstructor);
    await waitFor(() => cards.synced, { what: 'the sync' });
    expect([...cards.items.keys()]).toEqual(['host-1', 'host-2']);
    await setFigure(t.service, 'ops', 'host-2', 'cpu', 99);
    const { version } = await t.service.getVersioned({ stream_name: 'cards', group_id: 'ops', item_id: 'host-2' });
    await waitFor(() => cards.versions.get('host-2') === version, { what: 'the delta' });
    expect(cards.items.get('host-2')).toEqual(card(99));
    client.close();
  });
});
