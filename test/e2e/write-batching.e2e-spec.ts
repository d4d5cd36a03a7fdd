import type { AddressInfo, Socket } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { StreamsMetrics } from 'nest-realtime-streams/metrics/streams-metrics';
import { resolveStreamsOptions } from 'nest-realtime-streams/options/streams-options.resolver';
import { OutboundQueue } from 'nest-realtime-streams/gateway/outbound-queue';
import { wireFrame } from 'nest-realtime-streams/wire/wire-frame';
import { WriteBatcher } from 'nest-realtime-streams/gateway/write-batcher';
import { startStreamsApp } from '../support/streams-app';
import { TestClient } from '../support/ws-client';

const metrics = new StreamsMetrics(resolveStreamsOptions({}));
/** Servers and clients to stop after each test, also when it fails. */
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of cleanups.splice(0).reverse()) await stop();
});
const turn = () => new Promise((r) => setImmediate(r));

/** A real server-side socket with its kernel writes counted (every `_write` / `_writev` the stream makes). */
async function serverSocket(): Promise<{ server: WebSocket; client: TestClient; writes: () => number }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  await new Promise((r) => wss.once('listening', r));
  const accepted = new Promise<WebSocket>((r) => wss.once('connection', r));
  const client = await TestClient.connect(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  const server = await accepted;
  const raw = (server as unknown as { _socket: Socket & { _write: (...a: unknown[]) => void; _writev: (...a: unknown[]) => void } })._socket;
  let count = 0;
  const write = raw._write.bind(raw);
  const writev = raw._writev.bind(raw);
  raw._write = (...a) => (count++, write(...a));
  raw._writev = (...a) => (count++, writev(...a));
  cleanups.push(async () => {
    client.close();
    await new Promise((r) => wss.close(r));
  });
  return { server, client, writes: () => count };
}

const frame = (i: number, key: string | null = null, pad = 0) => wireFrame(Buffer.from(JSON.stringify({ i, pad: 'x'.repeat(pad) })), key);
const indexes = (c: TestClient) => c.frames.map((f) => (f as unknown as { i: number }).i);

describe('batched writes (writes.delayMs)', () => {
  it('frames bound for one socket in one turn leave in one write, in order', async () => {
    const s = await serverSocket();
    const out = new OutboundQueue(s.server, 1 << 20, metrics, new WriteBatcher(0));
    for (let i = 0; i < 50; i++) out.send(frame(i));
    await s.client.waitForCount(50);
    expect(indexes(s.client)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(s.writes()).toBe(1);
  });

  it('without a batcher every frame is its own write (the baseline the batcher removes)', async () => {
    const s = await serverSocket();
    const out = new OutboundQueue(s.server, 1 << 20, metrics, null);
    for (let i = 0; i < 50; i++) out.send(frame(i));
    await s.client.waitForCount(50);
    expect(s.writes()).toBe(50);
  });

  it('a write window joins the frames of several turns that follow a flush into one write; a frame after a quiet spell does not wait', async () => {
    const s = await serverSocket();
    // Long enough that the turns below always fall inside it; the test counts writes, not time.
    const out = new OutboundQueue(s.server, 1 << 20, metrics, new WriteBatcher(500));
    out.send(frame(0));
    await turn();
    // Quiet until then: the first frame left at the end of its turn.
    expect(s.writes()).toBe(1);
    for (let i = 1; i <= 3; i++) {
      out.send(frame(i));
      await turn();
    }
    expect(s.writes()).toBe(1);
    await s.client.waitForCount(4);
    expect(indexes(s.client)).toEqual([0, 1, 2, 3]);
    expect(s.writes()).toBe(2);
  });

  it('a batch never holds more than limits.bufferedBytes: a burst past it leaves in bounded writes, all of it, in order', async () => {
    const s = await serverSocket();
    const out = new OutboundQueue(s.server, 1024, metrics, new WriteBatcher(0));
    // 300 B frames to a client that reads: four make a batch past 1 KiB, which is written before the fifth joins.
    for (let i = 0; i < 10; i++) out.send(frame(i, 'item', 280));
    await s.client.waitForCount(10);
    expect(indexes(s.client)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(s.writes()).toBe(3);
  });

  it('with the window waiting, a batch reaching limits.bufferedBytes is still written at once (slow-consumer policy)', async () => {
    const s = await serverSocket();
    const out = new OutboundQueue(s.server, 1024, metrics, new WriteBatcher(500));
    out.send(frame(0));
    await turn();
    // Busy now (a flush just ended): the next frames wait for the window, except what would pass the bound.
    for (let i = 1; i <= 10; i++) out.send(frame(i, null, 280));
    expect(s.writes()).toBe(3);
    await s.client.waitForCount(11);
    expect(indexes(s.client)).toEqual(Array.from({ length: 11 }, (_, i) => i));
    expect(s.writes()).toBe(4);
  });

  it('the close frame follows the frames a window holds: shutting down with the window on delivers them, then 1001', async () => {
    const t = await startStreamsApp({ writes: { delayMs: 1000 } });
    const c = await TestClient.connect(`${t.url}/stream/dash/g`);
    cleanups.push(async () => c.close());
    await c.next();
    // The first set leaves at the end of its turn; the next ones follow that flush, so the window holds them.
    await t.service.set({ stream_name: 'dash', group_id: 'g', item_id: 'i0', data: { i: 0 } });
    await turn();
    for (let i = 1; i < 5; i++) await t.service.set({ stream_name: 'dash', group_id: 'g', item_id: `i${i}`, data: { i } });
    await t.app.close();
    expect(await c.closedWith()).toMatchObject({ code: 1001 });
    expect(c.frames.slice(1).map((f) => (f.event!.data as { i: number }).i)).toEqual([0, 1, 2, 3, 4]);
  });

  it('fast path off (writes.fastPath: false): every frame goes through ws send(), in order, one write each', async () => {
    const s = await serverSocket();
    const out = new OutboundQueue(s.server, 1 << 20, metrics, new WriteBatcher(0), false);
    for (let i = 0; i < 20; i++) out.send(frame(i));
    await s.client.waitForCount(20);
    expect(indexes(s.client)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(s.writes()).toBe(20);
  });

  it('fallback: a frame ws could not pre-frame (no framing helper) is sent with send() and arrives', async () => {
    const s = await serverSocket();
    const out = new OutboundQueue(s.server, 1 << 20, metrics, new WriteBatcher(0));
    out.send({ ...wireFrame(Buffer.from(JSON.stringify({ i: 7 }))), framed: null });
    await s.client.waitForCount(1);
    expect(indexes(s.client)).toEqual([7]);
  });

  it.each([
    ['the window on', { writes: { delayMs: 5 } }],
    ['the fast path off', { writes: { fastPath: false } }],
  ])('through the module: a burst of writes to a group reaches a subscriber in order with %s', async (_name, options) => {
    const t = await startStreamsApp(options);
    cleanups.push(() => t.app.close());
    const c = await TestClient.connect(`${t.url}/stream/dash/g`);
    cleanups.push(async () => c.close());
    await c.next();
    await Promise.all(Array.from({ length: 50 }, (_, i) => t.service.set({ stream_name: 'dash', group_id: 'g', item_id: `i${i % 10}`, data: { i } })));
    await c.waitForCount(51);
    expect(c.frames.slice(1).map((f) => (f.event!.data as { i: number }).i)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});
