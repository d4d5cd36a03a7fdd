import type { WebSocket } from 'ws';
import { StreamsMetrics } from '../metrics/streams-metrics';
import { resolveStreamsOptions } from '../options/streams-options.resolver';
import { OutboundQueue } from './outbound-queue';
import { wireFrame } from '../wire/wire-frame';

/** A WebSocket without ws's internals (no `_socket`): the queue can only use `send()` and `bufferedAmount`. */
class FakeSocket {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  readonly sent: string[] = [];
  /** Completion callbacks of the sends not yet "written". */
  readonly pending: Array<() => void> = [];
  send(payload: Buffer, _options: unknown, done: () => void): void {
    this.sent.push(payload.toString());
    this.pending.push(done);
  }
  close(): void {
    this.readyState = 2;
  }
  terminate(): void {}
}

const MAX = 1024;
const frame = (text: string, key: string | null = null) => wireFrame(Buffer.from(text), key);

function queue(): { socket: FakeSocket; out: OutboundQueue } {
  const socket = new FakeSocket();
  return { socket, out: new OutboundQueue(socket as unknown as WebSocket, MAX, new StreamsMetrics(resolveStreamsOptions({}))) };
}

describe('OutboundQueue wake-ups on the send() path (SPEC §7.6)', () => {
  afterEach(() => jest.useRealTimers());

  it('waiting frames leave, coalesced per item and in order, once the last send() in flight has completed and the buffer is below half the bound', () => {
    const { socket, out } = queue();
    out.send(frame('first'));
    out.send(frame('second'));
    socket.bufferedAmount = MAX + 1;
    for (const v of ['a1', 'b1', 'a2']) out.send(frame(v, v[0]));
    out.send(frame('custom'));
    expect(socket.sent).toEqual(['first', 'second']);
    socket.pending.shift()!();
    expect(socket.sent).toHaveLength(2);
    // The last write completed but the buffer is still over half the bound: wait for the next wake-up.
    socket.bufferedAmount = MAX / 2 + 1;
    socket.pending.shift()!();
    expect(socket.sent).toHaveLength(2);
    expect(out.backlogBytes).toBeGreaterThan(0);
  });

  it('with no send() of its own in flight (only ws’s frames fill the buffer) it polls, and releases once there is room', () => {
    jest.useFakeTimers();
    const { socket, out } = queue();
    socket.bufferedAmount = MAX + 1;
    for (const v of ['a1', 'b1', 'a2']) out.send(frame(v, v[0]));
    jest.runOnlyPendingTimers();
    expect(socket.sent).toEqual([]);
    socket.bufferedAmount = 0;
    jest.runOnlyPendingTimers();
    expect(socket.sent).toEqual(['b1', 'a2']);
    expect(out.backlogBytes).toBe(0);
  });

  it('releases what waits once a completion finds room', () => {
    const { socket, out } = queue();
    out.send(frame('first'));
    socket.bufferedAmount = MAX + 1;
    for (const v of ['a1', 'b1', 'a2']) out.send(frame(v, v[0]));
    socket.bufferedAmount = 0;
    socket.pending.shift()!();
    expect(socket.sent).toEqual(['first', 'b1', 'a2']);
  });
});

describe('OutboundQueue and deltas (SPEC §9)', () => {
  afterEach(() => jest.useRealTimers());

  it('a delta that replaces a waiting frame of its item goes as its full value (its base never reached the client)', () => {
    jest.useFakeTimers();
    const { socket, out } = queue();
    socket.bufferedAmount = MAX + 1;
    const delta = (text: string, key: string) => ({ ...frame(`delta ${text}`, key), full: frame(`full ${text}`, key) });
    out.send(delta('a1', 'a'));
    out.send(delta('b1', 'b'));
    out.send(delta('a2', 'a'));
    socket.bufferedAmount = 0;
    // Nothing of its own in flight: the queue polls for room.
    jest.runOnlyPendingTimers();
    expect(socket.sent).toEqual(['delta b1', 'full a2']);
  });
});
