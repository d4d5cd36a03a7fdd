import { Controller, Get, type INestApplication } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { WsAdapter } from '@nestjs/platform-ws';
import { MessageBody, SubscribeMessage, WebSocketGateway, type WsResponse } from '@nestjs/websockets';
import { Test } from '@nestjs/testing';
import type { IncomingMessage, Server } from 'node:http';
import { Server as SocketIoServer } from 'socket.io';
import { io } from 'socket.io-client';
import WebSocket from 'ws';
import { StreamsListener, StreamsMetrics, StreamsModule, type StreamsModuleOptions, StreamsService } from 'nest-realtime-streams';
import { CLOSE_CODES } from '../../libs/streams/src/protocol/protocol.constants';
import { loadNodeClient, nodeDriver } from '../iii-clients/motia-client.drivers';
import { selfSignedCertificate } from '../support/tls';
import { waitFor } from '../support/wait-for';
import { type Frame, TestClient } from '../support/ws-client';

/** SPEC §12: the listener on the app's own HTTP server under a path prefix, Express and Fastify. */

@Controller()
class PingController {
  @Get('ping')
  ping(): string {
    return 'pong';
  }
}

type Platform = 'express' | 'fastify';

/** The host's own WebSocket endpoint: a Nest gateway on the app's port, through `@nestjs/platform-ws`. */
@WebSocketGateway({ path: '/host-ws' })
class EchoGateway {
  @SubscribeMessage('echo')
  echo(@MessageBody() data: string): WsResponse<string> {
    return { event: 'echo', data: `echo:${data}` };
  }
}

/** What else answers upgrades on the app's port: a Nest WsAdapter gateway (the default) or socket.io. */
type Host = 'ws-gateway' | 'socket.io';

interface AttachedApp {
  app: INestApplication;
  server: Server;
  url: string;
  io: SocketIoServer | null;
  /** Every upgrade the app's server saw (recorded by a listener that only looks). */
  hostUpgrades: string[];
}

/**
 * The host app: a controller and, on the same server, either its own `@WebSocketGateway` (WsAdapter serves its
 * exact path and destroys every other upgrade) or socket.io (engine.io ends an upgrade it has not answered after
 * 1 s). Both are set up before init, as apps do.
 */
async function startAttached(platform: Platform, options: StreamsModuleOptions = {}, order: 'init+listen' | 'listen' = 'init+listen', host: Host = 'ws-gateway'): Promise<AttachedApp> {
  const moduleRef = await Test.createTestingModule({
    imports: [StreamsModule.forRoot({ attach: { path: '/streams' }, ...options })],
    controllers: [PingController],
    providers: host === 'ws-gateway' ? [EchoGateway] : [],
  }).compile();
  const app = platform === 'express' ? moduleRef.createNestApplication({ logger: false }) : moduleRef.createNestApplication(new FastifyAdapter(), { logger: false });
  const server = app.getHttpServer() as Server;
  const hostUpgrades: string[] = [];
  server.on('upgrade', (req: IncomingMessage) => hostUpgrades.push(req.url ?? ''));
  let sio: SocketIoServer | null = null;
  if (host === 'ws-gateway') app.useWebSocketAdapter(new WsAdapter(app));
  else {
    sio = new SocketIoServer(server);
    sio.on('connection', (socket) => socket.on('ping', (ack: (answer: string) => void) => ack('pong')));
  }
  if (order === 'init+listen') await app.init();
  await app.listen(0, '127.0.0.1');
  const { port } = app.get(StreamsListener).address();
  return { app, server, url: `ws://127.0.0.1:${port}`, io: sio, hostUpgrades };
}

/** The app first: socket.io's close() also closes the HTTP server, which would wait for the streams clients. */
async function close(t: AttachedApp): Promise<void> {
  await t.app.close();
  await new Promise<void>((resolve) => (t.io ? t.io.close(() => resolve()) : resolve()));
}

const isSync = (f: Frame) => f.event?.type === 'sync';
const chat = { stream_name: 'chat', group_id: 'room-1' };

/** Resolves with how an upgrade ended when it got no HTTP answer: the host handler destroyed it. */
function hungUp(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('open', () => reject(new Error('upgrade was accepted')));
    socket.once('unexpected-response', (_req, res) => reject(new Error(`answered HTTP ${res.statusCode}`)));
    socket.once('error', (error) => resolve(error.message));
  });
}

describe.each<Platform>(['express', 'fastify'])('attach on %s (SPEC §12)', (platform) => {
  let t: AttachedApp;
  beforeAll(async () => {
    t = await startAttached(platform);
  });
  afterAll(() => close(t));

  it('serves <path> (multiplexed) and <path>/stream/{name}/{group} on the app port, with frames', async () => {
    expect(t.app.get(StreamsListener).address().port).toBe((t.server.address() as { port: number }).port);
    const multiplexed = await TestClient.connect(`${t.url}/streams`);
    const byPath = await TestClient.connect(`${t.url}/streams/stream/chat/room-1`);
    multiplexed.join('s', 'chat', 'room-1');
    await multiplexed.next(isSync);
    await byPath.next(isSync);
    await t.app.get(StreamsService).set({ ...chat, item_id: 'm1', data: { text: 'hi' } });
    for (const c of [multiplexed, byPath]) {
      expect(await c.next((f) => f.event?.type === 'create')).toMatchObject({ streamName: 'chat', groupId: 'room-1', event: { data: { text: 'hi' } } });
      c.close();
    }
  });

  it('the real Motia Node client (iii) works through <path>', async () => {
    const motia = nodeDriver(await loadNodeClient(), `${t.url}/streams`);
    const handle = await motia.group('todo', `motia-${platform}`, []);
    await t.app.get(StreamsService).set({ stream_name: 'todo', group_id: `motia-${platform}`, item_id: 'a', data: { id: 'a', done: true } });
    let state: unknown = null;
    await waitFor(async () => JSON.stringify((state = await motia.state(handle))) === '[{"id":"a","done":true}]', { what: `the Motia client's state (now ${JSON.stringify(state)})` });
    await motia.close();
  });

  it('answers 404 to unknown paths under the prefix only; plain HTTP requests stay the app\'s', async () => {
    expect(await TestClient.refusal(`${t.url}/streams/nope`)).toBe(404);
    expect(await TestClient.refusal(`${t.url}/streams/stream/chat`)).toBe(404);
    const base = t.url.replace('ws:', 'http:');
    expect(await (await fetch(`${base}/ping`)).text()).toBe('pong');
    // Not a 426 from the listener: a plain GET under the prefix is the app's route table's (none here).
    expect((await fetch(`${base}/streams`)).status).toBe(404);
    expect(t.hostUpgrades.filter((u) => u.startsWith('/streams'))).toEqual([]);
  });

  it('leaves other upgrades to the host: its own @WebSocketGateway, and what its WsAdapter destroys', async () => {
    const host = new WebSocket(`${t.url}/host-ws`);
    await new Promise((resolve, reject) => host.once('open', resolve).once('error', reject));
    host.send(JSON.stringify({ event: 'echo', data: 'x' }));
    expect(JSON.parse(String(await new Promise((resolve) => host.once('message', resolve))))).toEqual({ event: 'echo', data: 'echo:x' });
    host.close();
    // Neither answered nor destroyed by the listener: the host's WsAdapter saw it and hung up.
    expect(await hungUp(`${t.url}/streamsX`)).toMatch(/socket hang up/);
    expect(t.hostUpgrades).toEqual(expect.arrayContaining(['/host-ws', '/streamsX']));
  });

  it('leaves socket.io its upgrades on the same port', async () => {
    const withIo = await startAttached(platform, {}, 'init+listen', 'socket.io');
    const sio = io(withIo.url.replace('ws:', 'http:'), { transports: ['websocket'], reconnection: false });
    expect(await sio.timeout(3000).emitWithAck('ping')).toBe('pong');
    sio.close();
    const streams = await TestClient.connect(`${withIo.url}/streams/stream/chat/room-1`);
    await streams.next(isSync);
    streams.close();
    await close(withIo);
  });

  it('refuses with 401 from authFunction and on handshake timeout, and 503 past limits.connections (counted before auth)', async () => {
    let auths = 0;
    const limited = await startAttached(platform, {
      limits: { connections: 2 },
      timeouts: { handshakeMs: 200 },
      authFunction: ({ query_params }) => {
        auths++;
        if (query_params.token?.[0] === 'slow') return new Promise(() => undefined);
        return query_params.token?.[0] === 'deny' ? false : { context: {} };
      },
    });
    expect(await TestClient.refusal(`${limited.url}/streams?token=deny`)).toBe(401);
    expect(await TestClient.refusal(`${limited.url}/streams/stream/chat/room-1?token=slow`)).toBe(401);
    const a = await TestClient.connect(`${limited.url}/streams`);
    const b = await TestClient.connect(`${limited.url}/streams`);
    const before = auths;
    expect(await TestClient.refusal(`${limited.url}/streams`)).toBe(503);
    expect(auths).toBe(before);
    expect(a.closed).toBeNull();
    a.close();
    b.close();
    await close(limited);
  });

  it('an authFunction slower than engine.io\'s 1 s upgrade limit still gets its connection (socket.io never sees the prefix)', async () => {
    const slow = await startAttached(platform, { authFunction: () => new Promise((resolve) => setTimeout(() => resolve({ context: {} }), 1300)) }, 'init+listen', 'socket.io');
    const c = await TestClient.connect(`${slow.url}/streams`);
    c.join('s', 'chat', 'room-1');
    await c.next(isSync);
    c.close();
    await close(slow);
  });

  it.each(['init+listen', 'listen'] as const)('%s: address() reports the app address once it listens; shutdown sends 1001, then the app server closes', async (order) => {
    const own = await startAttached(platform, {}, order);
    const c = await TestClient.connect(`${own.url}/streams`);
    c.join('s', 'chat', 'room-1');
    await c.next(isSync);
    const metrics = own.app.get(StreamsMetrics);
    let streamsClientsWhenServerClosed = -1;
    own.server.once('close', () => (streamsClientsWhenServerClosed = metrics.connections));
    await close(own);
    expect((await c.closedWith()).code).toBe(CLOSE_CODES.GOING_AWAY);
    expect(streamsClientsWhenServerClosed).toBe(0);
    expect(own.server.listening).toBe(false);
  });
});

describe('attach: bootstrap', () => {
  it('works without any other upgrade handler; an upgrade outside the prefix then gets 404, not a hang', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [StreamsModule.forRoot({ attach: { path: '/streams' } })] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    const url = `ws://127.0.0.1:${app.get(StreamsListener).address().port}`;
    const c = await TestClient.connect(`${url}/streams/stream/chat/room-1`);
    await c.next(isSync);
    expect(await TestClient.refusal(`${url}/elsewhere`)).toBe(404);
    c.close();
    await app.close();
  });


  it('shares the TLS of an HTTPS app: wss:// on the app port', async () => {
    // Trusted by this client only.
    const { key, cert, remove } = selfSignedCertificate();
    try {
      const moduleRef = await Test.createTestingModule({ imports: [StreamsModule.forRoot({ attach: { path: '/streams' } })] }).compile();
      const app = moduleRef.createNestApplication({ logger: false, httpsOptions: { key, cert } });
      await app.listen(0, '127.0.0.1');
      const c = await TestClient.connect(`wss://127.0.0.1:${app.get(StreamsListener).address().port}/streams/stream/chat/room-1`, { ca: cert });
      await c.next(isSync);
      c.close();
      await app.close();
    } finally {
      remove();
    }
  });

  it('address() is not available before app.listen()', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [StreamsModule.forRoot({ attach: { path: '/streams' } })] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    expect(() => app.get(StreamsListener).address()).toThrow("The app's server is not listening yet: call app.listen() first");
    await app.close();
  });

  it('refuses port and host with attach, naming them', async () => {
    const build = Test.createTestingModule({ imports: [StreamsModule.forRoot({ attach: { path: '/streams' }, port: 0, host: '127.0.0.1' })] }).compile();
    await expect(build).rejects.toThrow("port and host cannot be set with attach (the listener uses the app's server and port)");
  });
});
