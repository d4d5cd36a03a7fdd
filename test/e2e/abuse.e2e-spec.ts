import { fork } from 'node:child_process';
import { connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { StreamsMetrics } from 'nest-realtime-streams';
import { metricValue } from '../support/metrics-text';
import { startStreamsApp, type StreamsTestApp } from '../support/streams-app';
import { TestClient } from '../support/ws-client';

/** Bad and hostile clients, bounded in count and time: the server keeps serving everyone else. */
describe('abuse (bounded)', () => {
  let t: StreamsTestApp;
  let bystander: TestClient;

  beforeEach(async () => {
    t = await startStreamsApp({ timeouts: { handshakeMs: 300 }, limits: { subscriptionsPerSocket: 100 }, authFunction: slowAuth });
    bystander = await TestClient.connect(`${t.url}/stream/chat/room?token=ok`);
    await bystander.next();
  });
  afterEach(async () => {
    bystander.close();
    await t.app.close();
  });

  /** Never answers for the token `hang`, refuses `no`; accepts everything else. */
  function slowAuth({ query_params }: { query_params: Record<string, string[]> }) {
    const token = query_params.token?.[0];
    if (token === 'hang') return new Promise<never>(() => undefined);
    return token === 'no' ? false : { context: null };
  }

  /** The bystander still gets a write made after the abuse. */
  async function bystanderStillServed(): Promise<void> {
    await t.service.set({ stream_name: 'chat', group_id: 'room', item_id: `after-${Date.now()}`, data: 1 });
    expect(await bystander.next((f) => f.event?.type === 'create')).toBeTruthy();
  }

  it('a handshake that never completes is cut after timeouts.handshakeMs', async () => {
    const socket = tcpConnect(Number(new URL(t.url).port), '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n');
    const closedAfter = await new Promise<number>((resolve) => {
      const start = Date.now();
      socket.on('data', () => undefined);
      socket.once('close', () => resolve(Date.now() - start));
    });
    expect(closedAfter).toBeLessThan(5000);
    await bystanderStillServed();
  });

  it('an auth function that never answers refuses the upgrade (401) after timeouts.handshakeMs', async () => {
    expect(await TestClient.refusal(`${t.url}/?token=hang`)).toBe(401);
    await bystanderStillServed();
  });

  it('query keys like __proto__ reach the auth function as data and crash nothing', async () => {
    const c = await TestClient.connect(`${t.url}/?__proto__=1&constructor=2&token=ok`);
    c.join('s', 'chat', 'room');
    expect(await c.next()).toMatchObject({ event: { type: 'sync' } });
    c.close();
    await bystanderStillServed();
  });

  it('deeply nested and oversized-but-allowed JSON gets an error frame, not a crash', async () => {
    const c = await TestClient.connect(`${t.url}/?token=ok`);
    c.send('['.repeat(200_000) + ']'.repeat(200_000));
    expect(await c.next()).toMatchObject({ type: 'error', error: { code: expect.stringMatching(/invalid_message|invalid_json/) } });
    const deep = '{"v":'.repeat(5000) + '1' + '}'.repeat(5000);
    c.send(`{"type":"join","data":{"subscriptionId":"s","streamName":"chat","groupId":${deep}}}`);
    expect(await c.next()).toMatchObject({ type: 'error', error: { code: 'invalid_field', field: 'data.groupId' } });
    c.join('ok', 'chat', 'room');
    expect(await c.next()).toMatchObject({ event: { type: 'sync' } });
    c.close();
    await bystanderStillServed();
  });

  it('a text frame with invalid UTF-8 closes that socket with 1007', async () => {
    const c = await TestClient.connect(`${t.url}/?token=ok`);
    c.socket.send(Buffer.from([0x7b, 0xc3, 0x28, 0x7d]), { binary: false });
    expect((await c.closedWith()).code).toBe(1007);
    await bystanderStillServed();
  });

  it('a join flood past the per-socket limit gets error frames; the socket and the server keep working', async () => {
    const c = await TestClient.connect(`${t.url}/?token=ok`);
    for (let i = 0; i < 2000; i++) c.join(`s${i}`, 'flood', `g${i}`);
    await c.waitForCount(2000, 15000);
    const syncs = c.frames.filter((f) => f.event?.type === 'sync').length;
    const limited = c.frames.filter((f) => f.error?.code === 'subscription_limit').length;
    expect([syncs, limited]).toEqual([100, 1900]);
    await t.service.set({ stream_name: 'flood', group_id: 'g5', item_id: 'i', data: 1 });
    expect(await c.next((f) => f.event?.type === 'create')).toMatchObject({ groupId: 'g5' });
    c.close();
    await bystanderStillServed();
  });
});

describe('bad clients and the log (issue 9: no log flood)', () => {
  it('write no log line at any level: refusals, bad frames and broken sockets are counted in metrics instead', async () => {
    const t = await startStreamsApp({ timeouts: { handshakeMs: 200 }, limits: { payloadBytes: 1024 }, authFunction: ({ query_params }) => {
      const token = query_params.token?.[0];
      if (token === 'hang') return new Promise<never>(() => undefined);
      return token === 'no' ? false : { context: null };
    } });
    const levels = ['log', 'warn', 'error', 'debug', 'verbose', 'fatal'] as const;
    const spies = levels.map((level) => jest.spyOn(Logger.prototype, level));
    try {
      const refusals = [
        ...Array.from({ length: 40 }, () => TestClient.refusal(`${t.url}/?token=no`)),
        ...Array.from({ length: 10 }, () => TestClient.refusal(`${t.url}/?token=hang`)),
        ...Array.from({ length: 20 }, () => TestClient.refusal(`${t.url}/nope`)),
      ];
      expect(new Set(await Promise.all(refusals))).toEqual(new Set([401, 404]));

      const c = await TestClient.connect(t.url);
      for (let i = 0; i < 200; i++) c.send(i % 2 ? '{oops' : '{"type":"nope"}');
      await c.waitForCount(200, 10_000);
      c.close();
      const broken = async (send: (c: TestClient) => void) => {
        const b = await TestClient.connect(t.url);
        send(b);
        return (await b.closedWith()).code;
      };
      const utf8 = Array.from({ length: 10 }, () => broken((b) => b.socket.send(Buffer.from([0x7b, 0xc3, 0x28]), { binary: false })));
      const big = Array.from({ length: 5 }, () => broken((b) => b.send('x'.repeat(2048))));
      expect(await Promise.all([...utf8, ...big])).toEqual([...Array(10).fill(1007), ...Array(5).fill(1009)]);

      const text = await t.app.get(StreamsMetrics).text();
      const count = (sample: string) => metricValue(text, sample) ?? 0;
      expect(count('streams_connections_refused_total{reason="unauthorized"}')).toBe(40);
      expect(count('streams_connections_refused_total{reason="auth_error"}')).toBe(10);
      expect(count('streams_connections_refused_total{reason="not_found"}')).toBe(20);
      expect(count('streams_protocol_errors_total{code="invalid_json"}') + count('streams_protocol_errors_total{code="unknown_type"}')).toBe(200);
      expect(count('streams_socket_errors_total{code="WS_ERR_INVALID_UTF8"}')).toBe(10);
      expect(count('streams_socket_errors_total{code="WS_ERR_UNSUPPORTED_MESSAGE_LENGTH"}')).toBe(5);
      expect(spies.flatMap((spy, i) => spy.mock.calls.map((args) => `${levels[i]}: ${String(args[0])}`))).toEqual([]);
    } finally {
      spies.forEach((spy) => spy.mockRestore());
      await t.app.close();
    }
  });
});

describe('10,000 concurrent sockets (bounded)', () => {
  it('holds them, joins each to a group and delivers one write to every one', async () => {
    const t = await startStreamsApp({ timeouts: { heartbeatIntervalMs: 0 } });
    const N = 10_000;
    // The clients live in a child process: together with the server's sockets they would pass one
    // process's open-file limit.
    const child = fork(join(__dirname, '../support/load-clients.ts'), { execArgv: ['-r', '@swc-node/register'] });
    const ask = <T>(message: object) =>
      new Promise<T>((resolve) => {
        child.once('message', (reply) => resolve(reply as T));
        child.send(message);
      });
    try {
      expect(await ask<{ opened: number }>({ url: `${t.url}/stream/load/g`, count: N })).toEqual({ opened: N });
      const until = async (check: (c: { syncs: number; creates: number }) => boolean) => {
        const end = Date.now() + 60_000;
        let counts = await ask<{ syncs: number; creates: number }>({ report: true });
        while (!check(counts) && Date.now() < end) {
          await new Promise((r) => setTimeout(r, 100));
          counts = await ask({ report: true });
        }
        return counts;
      };
      expect((await until((c) => c.syncs === N)).syncs).toBe(N);
      await t.service.set({ stream_name: 'load', group_id: 'g', item_id: 'i', data: { hello: 'everyone' } });
      expect((await until((c) => c.creates === N)).creates).toBe(N);
    } finally {
      child.send({ close: true });
      await new Promise((r) => child.once('exit', r));
      await t.app.close();
    }
  }, 120_000);
});
