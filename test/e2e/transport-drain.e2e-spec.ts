import type { AddressInfo, Socket } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { StreamsMetrics } from 'nest-realtime-streams/metrics/streams-metrics';
import { resolveStreamsOptions } from 'nest-realtime-streams/options/streams-options.resolver';
import { OutboundQueue } from 'nest-realtime-streams/gateway/outbound-queue';
import { wireFrame } from 'nest-realtime-streams/wire/wire-frame';
import { frameOnce } from 'nest-realtime-streams/wire/ws-framer';
import { WriteBatcher } from 'nest-realtime-streams/gateway/write-batcher';
import { TestClient } from '../support/ws-client';

/** Servers and clients to stop after each test, also when it fails. */
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  jest.restoreAllMocks();
  for (const stop of cleanups.splice(0).reverse()) await stop();
});
const turn = () => new Promise((r) => setImmediate(r));
type Instrumented = Socket & { _write: (...a: unknown[]) => void; _writev: (chunks: unknown[], ...a: unknown[]) => void };
/** The TCP socket under a `ws` WebSocket (server side: to watch its writes; client side: to stop reading). */
const tcp = (socket: WebSocket) => (socket as unknown as { _socket: Instrumented })._socket;

/** A real server-side socket; `writes` lists each kernel write the stream makes by its number of chunks. */
async function serverSocket(perMessageDeflate = false): Promise<{ server: WebSocket; client: TestClient; writes: number[] }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate });
  await new Promise((r) => wss.once('listening', r));
  const accepted = new Promise<WebSocket>((r) => wss.once('connection', r));
  const client = await TestClient.connect(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  const server = await accepted;
  const raw = tcp(server);
  const writes: number[] = [];
  const write = raw._write.bind(raw);
  const writev = raw._writev.bind(raw);
  raw._write = (...a) => (writes.push(1), write(...a));
  raw._writev = (chunks, ...a) => (writes.push(chunks.length), writev(chunks, ...a));
  cleanups.push(async () => {
    client.close();
    await new Promise((r) => wss.close(r));
  });
  return { server, client, writes };
}

const frame = (i: number, k: string | null = null, pad = 0) => wireFrame(Buffer.from(JSON.stringify({ i, k, pad: 'x'.repeat(pad) })), k);
const received = (c: TestClient) => c.frames.map((f) => f as unknown as { i: number; k: string | null });

/** Sends unkeyed filler frames to a client that stopped reading until the socket's buffer passes `max`. */
async function backUp(out: OutboundQueue, server: WebSocket, max: number, pad: number): Promise<number> {
  let n = 0;
  while (server.bufferedAmount <= max) {
    out.send(frame(n++, null, pad));
    await turn();
    if (n > 50_000) throw new Error('the socket never backed up');
  }
  return n;
}

/** Event-loop turns for `ms` without a timer of the test's own, so any timer counted is the queue's. */
async function idle(ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) await turn();
}

/**
 * SPEC §7.6 under the transport seam: a backed-up socket is woken by the socket itself (its 'drain', the
 * callback of a write), not a timer, and the waiting frames then leave coalesced, in order, in one write.
 */
describe.each([
  // At or above the TCP socket's high-water mark (16 KiB) Node emits 'drain'.
  ['a bound above the socket high-water mark (drain event)', 256 * 1024, 64 * 1024, true, 1],
  // Below it 'drain' never comes; a write of no bytes calls back once the buffer emptied.
  ['a bound below the socket high-water mark (write callback)', 1024, 2 * 1024, true, 0],
  // ws send() (writes.fastPath off): the callback of the last send.
  ['the send() fallback, large bound', 256 * 1024, 64 * 1024, false, 0],
  ['the send() fallback, tiny bound', 1024, 2 * 1024, false, 0],
])('slow consumer wake-up with %s', (_name, max, pad, fastPath, drainListeners) => {
  it('holds and coalesces without a timer, then releases the latest value per item in order (SPEC §7.6)', async () => {
    const metrics = new StreamsMetrics(resolveStreamsOptions({}));
    const s = await serverSocket();
    const out = new OutboundQueue(s.server, max, metrics, new WriteBatcher(0), fastPath);
    tcp(s.client.socket).pause();
    const fillers = await backUp(out, s.server, max, pad);

    const timeouts = jest.spyOn(global, 'setTimeout');
    const intervals = jest.spyOn(global, 'setInterval');
    for (let v = 0; v < 100; v++) for (const k of ['a', 'b', 'c']) out.send(frame(v, k, 100));
    out.send(frame(-1));
    expect(out.backlogBytes).toBeGreaterThan(0);
    await idle(100);
    // Nothing polls the waiting socket: the wake-up is the socket's own event.
    expect(timeouts).not.toHaveBeenCalled();
    expect(intervals).not.toHaveBeenCalled();
    expect(tcp(s.server).listenerCount('drain')).toBe(drainListeners);
    expect(s.server.readyState).toBe(s.server.OPEN);

    tcp(s.client.socket).resume();
    await s.client.waitForCount(fillers + 4, 20000);
    const got = received(s.client);
    expect(got.slice(0, fillers).map((f) => f.i)).toEqual(Array.from({ length: fillers }, (_, i) => i));
    expect(got.slice(fillers).map((f) => [f.k, f.i])).toEqual([['a', 99], ['b', 99], ['c', 99], [null, -1]]);
    expect(out.backlogBytes).toBe(0);
    expect(metrics.slowConsumerCloses).toBe(0);
    // On the fast path the four waiting frames left corked: one writev.
    if (fastPath) expect(s.writes.at(-1)).toBe(4);
    expect(metrics.framesViaSend).toBe(fastPath ? 0 : fillers + 4);
  });

  it('closes with 4008 once what waits passes half the bound, after the frames already sent, having held at most 1.5 × the bound (SPEC §7.6)', async () => {
    const metrics = new StreamsMetrics(resolveStreamsOptions({}));
    const s = await serverSocket();
    const out = new OutboundQueue(s.server, max, metrics, new WriteBatcher(0), fastPath);
    tcp(s.client.socket).pause();
    const fillers = await backUp(out, s.server, max, pad);
    // Distinct items do not coalesce: past the bound the socket is closed. What the server holds for the
    // socket, by its own accounting: the socket's buffer and the queue's batched and waiting frames.
    let held = 0;
    for (let k = 0; metrics.slowConsumerCloses === 0 && k < 10_000; k++) {
      out.send(frame(k, `item-${k}`, 100));
      if (metrics.slowConsumerCloses === 0) held = Math.max(held, s.server.bufferedAmount + out.backlogBytes);
    }
    expect(metrics.slowConsumerCloses).toBe(1);
    // The buffer went past the bound by at most one filler frame; what waited adds at most half the bound.
    expect(held).toBeGreaterThan(max);
    expect(held).toBeLessThanOrEqual(1.5 * max + frameOnce(frame(fillers, null, pad))!.length);
    tcp(s.client.socket).resume();
    expect((await s.client.closedWith(10000)).code).toBe(4008);
    expect(received(s.client).map((f) => f.i)).toEqual(Array.from({ length: fillers }, (_, i) => i));
  });
});
