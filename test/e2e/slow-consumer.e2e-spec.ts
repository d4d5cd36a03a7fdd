import type { Socket } from 'node:net';
import { CLOSE_CODES } from 'nest-realtime-streams';
import { startStreamsApp, type StreamsTestApp } from '../support/streams-app';
import { type Frame, TestClient } from '../support/ws-client';

/** The TCP socket under a `ws` client, to stop reading from it (a client that never reads). */
const tcp = (c: TestClient) => (c.socket as unknown as { _socket: Socket })._socket;

/** SPEC §7.6: a slow consumer is coalesced, then disconnected; nobody else notices. */
describe('slow consumers (SPEC §7.6)', () => {
  let t: StreamsTestApp;
  let fast: TestClient;
  let slow: TestClient;
  const chat = { stream_name: 'feed', group_id: 'g' };
  const blob = 'x'.repeat(32 * 1024);
  const MAX = 128 * 1024;

  beforeEach(async () => {
    t = await startStreamsApp({ limits: { bufferedBytes: MAX } });
    fast = await TestClient.connect(`${t.url}/stream/feed/g`);
    slow = await TestClient.connect(`${t.url}/stream/feed/g`);
    await fast.next();
    await slow.next();
    tcp(slow).pause();
  });
  afterEach(async () => {
    fast.close();
    slow.close();
    await t.app.close();
  });

  it('updates to one item are coalesced to the latest value for a client that stops reading; a fast client gets all', async () => {
    const N = 400;
    for (let i = 0; i < N; i++) {
      await t.service.set({ ...chat, item_id: 'ticker', data: { i, blob } });
      if (i % 20 === 0) await new Promise((r) => setImmediate(r));
    }
    await fast.waitForCount(N + 1, 20000);
    expect(fast.frames.slice(1).map((f) => (f.event!.data as { i: number }).i)).toEqual(Array.from({ length: N }, (_, i) => i));

    tcp(slow).resume();
    const last = await slow.next((f: Frame) => (f.event?.data as { i?: number } | undefined)?.i === N - 1, 20000);
    expect(last.event!.type).toBe('update');
    const received = slow.frames.slice(1).map((f) => (f.event!.data as { i: number }).i);
    // Fewer frames than writes, still in order, ending on the latest value, and the socket stays open.
    expect(received.length).toBeLessThan(N);
    expect([...received].sort((a, b) => a - b)).toEqual(received);
    expect(slow.closed).toBeNull();
  });

  it('a client still too slow after coalescing is closed with 4008 while the fast client keeps receiving', async () => {
    const N = 400;
    for (let i = 0; i < N; i++) {
      await t.service.set({ ...chat, item_id: `item-${i}`, data: { i, blob } });
      if (i % 20 === 0) await new Promise((r) => setImmediate(r));
    }
    await fast.waitForCount(N + 1, 20000);
    expect(fast.closed).toBeNull();
    tcp(slow).resume();
    expect((await slow.closedWith(10000)).code).toBe(CLOSE_CODES.SLOW_CONSUMER);
    // What the slow client did get is a gap-free prefix of the writes (coalescing never reorders).
    const got = slow.frames.slice(1).map((f) => (f.event!.data as { i: number }).i);
    expect(got).toEqual(Array.from({ length: got.length }, (_, i) => i));
    await t.service.set({ ...chat, item_id: 'after', data: 1 });
    expect(await fast.next((f) => f.id === 'after')).toBeTruthy();
  });
});
