import { mkdtempSync, rmSync } from 'node:fs';
import { connect as tcpConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import WebSocket from 'ws';
import { OnStreamJoin, StreamsMetrics, StreamsModule, type StreamsAdapterOptions, type StreamAuthFunction } from 'nest-realtime-streams';
import { StreamsClient } from 'nest-realtime-streams-client';
import { metricValue } from '../support/metrics-text';
import { deletePrefix, describeRedis, REDIS_URL, uniquePrefix } from '../support/redis';
import { startStreamsApp, type StreamsTestApp } from '../support/streams-app';
import { TestClient } from '../support/ws-client';
import { waitFor } from '../support/wait-for';

/** A join handler that takes a little time (as a permission lookup does) and counts its calls. */
@Injectable()
class SlowJoins {
  calls = 0;

  @OnStreamJoin({ stream_name: 'flood' })
  async onJoin(): Promise<void> {
    this.calls++;
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** A join handler whose permission backend fails. */
@Injectable()
class BrokenJoins {
  @OnStreamJoin({ stream_name: 'perm' })
  onJoin(): never {
    throw new Error('permission database timed out');
  }
}

const counter = async (t: StreamsTestApp, sample: string) => metricValue(await t.app.get(StreamsMetrics).text(), sample) ?? 0;

/** An adapter for one test and how to clean up after it. */
interface AdapterCase {
  adapter: StreamsAdapterOptions;
  cleanup(): Promise<void> | void;
}

function describeFlood(name: string, make: () => AdapterCase): void {
  describe(`inbound back-pressure per socket (issue 15), ${name} adapter`, () => {
    let t: StreamsTestApp;
    let adapter: AdapterCase;
    beforeEach(async () => {
      adapter = make();
      t = await startStreamsApp({ adapter: adapter.adapter, limits: { joinsPerSecond: 1_000_000 } }, { providers: [SlowJoins] });
    });
    afterEach(async () => {
      await t.app.close();
      await adapter.cleanup();
    });

    it('a join flood is read only as fast as it is handled, and its queued joins are dropped when the client leaves', async () => {
      const joins = t.app.get(SlowJoins);
      const flood = new WebSocket(`${t.url}/`);
      await new Promise((r) => flood.once('open', r));
      const frame = JSON.stringify({ type: 'join', data: { subscriptionId: 's', streamName: 'flood', groupId: 'g' } });
      for (let i = 0; i < 20_000; i++) flood.send(frame);
      await waitFor(() => joins.calls >= 50);
      // Read but not yet handled: the queue bound (64) plus what ws had already read when it paused (one
      // socket read, at most 64 KiB ≈ 700 of these frames) — not the 20,000 sent.
      const read = await counter(t, 'streams_frames_in_total');
      expect(read - joins.calls).toBeLessThan(64 + 1000);
      flood.terminate();
      const atLeave = joins.calls;
      await waitFor(async () => (await counter(t, 'streams_connections')) === 0);
      await new Promise((r) => setTimeout(r, 300));
      // The server sees the close at its next write or two (the socket is not being read); without the drop
      // at least the 64 queued joins would still run after that, 2 ms each.
      expect(joins.calls - atLeave).toBeLessThan(20);
      expect(joins.calls).toBeLessThan(20_000 / 4);
    });
  });
}

describeFlood('memory', () => ({ adapter: { type: 'memory' }, cleanup: () => undefined }));
describeFlood('file', () => {
  const path = mkdtempSync(join(tmpdir(), 'streams-safety-'));
  return { adapter: { type: 'file', path }, cleanup: () => rmSync(path, { recursive: true, force: true }) };
});
describeRedis('inbound back-pressure on the shared Redis', () => {
  describeFlood('redis', () => {
    const keyPrefix = uniquePrefix('safety');
    return { adapter: { type: 'redis', url: REDIS_URL, keyPrefix }, cleanup: () => deletePrefix(keyPrefix) };
  });
});

describe('join budget (issue 15): replacing joins count', () => {
  it('re-joining one subscription id in a loop gets join_rate_limited past the burst, and the socket keeps working', async () => {
    const t = await startStreamsApp({ limits: { subscriptionsPerSocket: 5, joinsPerSecond: 10 } });
    try {
      const c = await TestClient.connect(`${t.url}/`);
      for (let i = 0; i < 100; i++) c.join('s', 'chat', 'room');
      await c.waitForCount(100, 10_000);
      const syncs = c.frames.filter((f) => f.event?.type === 'sync').length;
      const limited = c.frames.filter((f) => f.error?.code === 'join_rate_limited').length;
      // A burst of limits.subscriptionsPerSocket + limits.joinsPerSecond, then 10 per second while the 100 are handled.
      expect(syncs).toBeGreaterThanOrEqual(15);
      expect(syncs).toBeLessThan(30);
      expect(syncs + limited).toBe(100);
      await t.service.set({ stream_name: 'chat', group_id: 'room', item_id: 'i', data: 1 });
      expect(await c.next((f) => f.event?.type === 'create')).toBeTruthy();
      c.close();
    } finally {
      await t.app.close();
    }
  });
});

/** Sends an upgrade request by hand and resolves with the status line; the socket is left open on our side. */
function rawUpgrade(url: string, path: string): Promise<{ socket: Socket; status: number }> {
  const port = Number(new URL(url).port);
  return new Promise((resolve, reject) => {
    // allowHalfOpen: the client never sends its FIN, as a hostile or broken client would not.
    const socket = tcpConnect({ port, host: '127.0.0.1', allowHalfOpen: true });
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    socket.once('connect', () =>
      socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`),
    );
    socket.once('data', (data) => resolve({ socket, status: Number(/^HTTP\/1\.1 (\d{3})/.exec(data.toString())?.[1]) }));
    setTimeout(() => reject(new Error('no answer')), 5000).unref();
  });
}

/** True once the server has dropped its side: data we send then is answered with a reset. */
function resetByServer(socket: Socket): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), 1500);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
    socket.write('x');
    setTimeout(() => socket.write('y'), 50).unref();
  });
}

describe('refused upgrades and the connection cap (issue 15)', () => {
  const auth: StreamAuthFunction = ({ query_params }) => {
    const token = query_params.token?.[0];
    if (token === 'hang') return new Promise<never>(() => undefined);
    return token === 'no' ? false : { context: token };
  };

  it('refused upgrades (401, 404, 503) destroy their sockets even when the client never closes its side', async () => {
    const t = await startStreamsApp({ authFunction: auth, limits: { connections: 1 } });
    const refused: Array<{ socket: Socket; status: number }> = [];
    let holder: TestClient | undefined;
    try {
      for (let i = 0; i < 10; i++) refused.push(await rawUpgrade(t.url, '/?token=no'));
      refused.push(...(await Promise.all(Array.from({ length: 5 }, () => rawUpgrade(t.url, '/nope')))));
      holder = await TestClient.connect(`${t.url}/?token=ok`);
      refused.push(...(await Promise.all(Array.from({ length: 5 }, () => rawUpgrade(t.url, '/?token=ok')))));
      expect(refused.map((r) => r.status)).toEqual([...Array(10).fill(401), ...Array(5).fill(404), ...Array(5).fill(503)]);
      await new Promise((r) => setTimeout(r, 100));
      expect(await Promise.all(refused.map((r) => resetByServer(r.socket)))).toEqual(Array(20).fill(true));
    } finally {
      holder?.close();
      refused.forEach((r) => r.socket.destroy());
      await t.app.close();
    }
  });

  it('the cap counts pending handshakes and is checked before the auth function runs (HTTP 503)', async () => {
    let calls = 0;
    const t = await startStreamsApp({
      limits: { connections: 2 },
      timeouts: { handshakeMs: 1000 },
      authFunction: (input) => {
        calls++;
        return auth(input);
      },
    });
    const hanging = [new WebSocket(`${t.url}/?token=hang`), new WebSocket(`${t.url}/?token=hang`)];
    hanging.forEach((w) => w.on('error', () => undefined));
    try {
      await waitFor(() => calls === 2);
      expect(await TestClient.refusal(`${t.url}/?token=ok`)).toBe(503);
      expect(calls).toBe(2);
      expect(await counter(t, 'streams_connections_refused_total{reason="limit"}')).toBe(1);
    } finally {
      hanging.forEach((w) => w.terminate());
      await t.app.close();
    }
  });
});

describe('fail closed (issue 15)', () => {
  it('the upgrade is accepted only when authFunction returns an object with a context property', async () => {
    const answers: Record<string, unknown> = { undef: undefined, nul: null, empty: {}, yes: true, str: 'ok', ctxUndefined: { context: undefined }, ctxNull: { context: null }, user: { context: { id: 1 } } };
    const t = await startStreamsApp({ authFunction: ({ query_params }) => answers[query_params.a[0]] as never });
    try {
      for (const a of ['undef', 'nul', 'empty', 'yes', 'str']) expect([a, await TestClient.refusal(`${t.url}/?a=${a}`)]).toEqual([a, 401]);
      for (const a of ['ctxUndefined', 'ctxNull', 'user']) (await TestClient.connect(`${t.url}/?a=${a}`)).close();
      expect(await counter(t, 'streams_connections_refused_total{reason="unauthorized"}')).toBe(5);
    } finally {
      await t.app.close();
    }
  });

  it('a join handler that fails denies the join (unauthorized); handlers.allowJoinOnError restores iii’s permissive behaviour', async () => {
    for (const [allow, expected] of [[false, 'unauthorized'], [true, 'sync']] as const) {
      const t = await startStreamsApp({ handlers: { allowJoinOnError: allow } }, { providers: [BrokenJoins] });
      try {
        const c = await TestClient.connect(`${t.url}/`);
        c.join('s', 'perm', 'g');
        expect(await c.next()).toMatchObject({ groupId: 'g', event: { type: expected } });
        c.close();
      } finally {
        await t.app.close();
      }
    }
  });

  it('an unknown option, at the top level or inside adapter, fails bootstrap naming it', async () => {
    const boot = (options: object) => Test.createTestingModule({ imports: [StreamsModule.forRoot(options as never)] }).compile();
    await expect(boot({ port: 0, adapter: { type: 'redis', urll: 'redis://10.0.0.1:6379' } })).rejects.toThrow(/adapter\.urll is not a known option/);
    await expect(boot({ port: 0, maxConection: 5, adapter: { type: 'memory', path: 'x' } })).rejects.toThrow(/maxConection is not a known option[\s\S]*adapter\.path is not a known option/);
  });
});

describe('typed client and a refused connection (issue 15)', () => {
  it('a 401 puts the client in `refused` with the status and it does not retry until asked', async () => {
    let calls = 0;
    const t = await startStreamsApp({
      authFunction: ({ headers }) => {
        calls++;
        return headers['sec-websocket-protocol']?.includes('good') ? { context: null } : false;
      },
    });
    const client = new StreamsClient({ url: `${t.url}/`, WebSocket, protocols: ['Authorization', 'bad'], reconnect: { initialDelayMs: 20, maxDelayMs: 20 } });
    try {
      const failed = new Promise((resolve) => client.on('connectFailed', resolve));
      expect(await failed).toEqual({ status: 401, failures: 1, reason: { code: 'unauthorized', message: 'authentication refused' } });
      expect(client.state).toBe('refused');
      await new Promise((r) => setTimeout(r, 300));
      expect(calls).toBe(1);
      client.retry();
      await waitFor(() => calls === 2);
      await waitFor(() => client.state === 'refused');
    } finally {
      client.close();
      await t.app.close();
    }
  });
});
