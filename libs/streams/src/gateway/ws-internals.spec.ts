import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import * as wsModule from 'ws';
import { wireFrame } from '../wire/wire-frame';
import { frameOnce, probeFramer, writePath } from '../wire/ws-framer';
import { cut, rawSocket } from './ws-internals';

describe('frameOnce / rawSocket (pre-framed fan-out writes)', () => {
  it('frames written straight to the socket arrive as text messages, in order with ws’s own sends, at every length class', async () => {
    const server = createServer();
    const wss = new WebSocketServer({ server, perMessageDeflate: false });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const accepted = once(wss, 'connection') as Promise<[WebSocket]>;
    const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const received: string[] = [];
    client.on('message', (data, isBinary) => received.push(`${isBinary ? 'binary' : 'text'}:${data.toString().length}:${data.toString().slice(0, 1)}`));
    const [serverSide] = await accepted;
    const raw = rawSocket(serverSide);
    expect(raw).not.toBeNull();
    // 7-bit, 16-bit and 64-bit payload lengths.
    for (const [size, char] of [[10, 'a'], [300, 'b'], [70_000, 'c']] as const) raw!.write(frameOnce(wireFrame(Buffer.from(char.repeat(size))))!);
    serverSide.send('via-ws');
    raw!.write(frameOnce(wireFrame(Buffer.from('é'.repeat(3))))!);
    const end = Date.now() + 3000;
    while (received.length < 5 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    expect(received).toEqual(['text:10:a', 'text:300:b', 'text:70000:c', 'text:6:v', 'text:3:é']);
    client.close();
    wss.close();
    server.close();
  });

  it('cutting a socket that stopped reading hands all its buffered writes one error (terminate() makes one per write)', async () => {
    const server = createServer();
    const wss = new WebSocketServer({ server, perMessageDeflate: false });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const accepted = once(wss, 'connection') as Promise<[WebSocket]>;
    const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const [[serverSide]] = await Promise.all([accepted, once(client, 'open')]);
    (client as unknown as { _socket: { pause(): void } })._socket.pause();
    const raw = rawSocket(serverSide)!;
    const errors = new Set<unknown>();
    let failed = 0;
    const frame = frameOnce(wireFrame(Buffer.from('x'.repeat(64 * 1024))))!;
    // Far more than the kernel's buffers take: most of these stay queued in the TCP socket.
    for (let i = 0; i < 200; i++) {
      raw.write(frame, (error) => {
        if (!error) return;
        failed++;
        errors.add(error);
      });
    }
    const closed = once(serverSide, 'close');
    cut(serverSide);
    await closed;
    expect(failed).toBeGreaterThan(100);
    expect(errors.size).toBe(1);
    expect([...errors][0]).toMatchObject({ code: 'STREAMS_CONNECTION_CUT' });
    client.terminate();
    wss.close();
    server.close();
  });

  it('a frame is framed once, for every socket it goes to, and then holds its bytes once: the payload is the framed bytes’ tail', () => {
    const text = 'x'.repeat(4096);
    const frame = wireFrame(Buffer.from(text));
    expect(frame.framed).toBeUndefined();
    let calls = 0;
    const framer = probeFramer(wsModule)!;
    const counting = (...args: Parameters<typeof framer>) => (calls++, framer(...args));
    const framed = frameOnce(frame, counting);
    expect(frameOnce(frame, counting)).toBe(framed);
    expect(calls).toBe(1);
    const { payload } = frame;
    expect(payload.toString()).toBe(text);
    expect(payload.buffer).toBe(framed!.buffer);
    expect(payload.byteOffset).toBe(framed!.byteOffset + framed!.length - payload.length);
  });

  it('capability probe: a ws without its framing helper degrades to send() (framed is null) instead of throwing', () => {
    expect(probeFramer(wsModule)).not.toBeNull();
    expect(probeFramer({})).toBeNull();
    expect(probeFramer({ Sender: {} })).toBeNull();
    const frame = wireFrame(Buffer.from('{}'), 'k');
    expect(frameOnce(frame, probeFramer({}))).toBeNull();
    expect(frame).toEqual({ payload: Buffer.from('{}'), framed: null, itemKey: 'k' });
  });

  it('capability probe per socket: raw writes only with a writable TCP socket, no extension and an observable sender', () => {
    const tcp = { write: () => true };
    const sender = { _state: 0, _queue: [] };
    const socket = (fields: object) => rawSocket({ extensions: '', ...fields } as unknown as WebSocket);
    expect(socket({ _socket: tcp, _sender: sender })).toBe(tcp);
    expect(socket({ _sender: sender })).toBeNull();
    expect(socket({ _socket: {}, _sender: sender })).toBeNull();
    expect(socket({ _socket: tcp, _sender: sender, extensions: 'permessage-deflate' })).toBeNull();
    expect(socket({ _socket: tcp, _sender: { _queue: [] } })).toBeNull();
    expect(socket({ _socket: tcp })).toBeNull();
  });

  it('the write path follows the option and the probe', () => {
    expect(writePath(true)).toBe('fast');
    expect(writePath(false)).toBe('send');
    expect(writePath(true, probeFramer({}))).toBe('send');
  });
});
