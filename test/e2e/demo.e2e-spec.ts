import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StreamsService } from 'nest-realtime-streams';
import type { ChatMessage, MentionNotification, MetricsHistory, ServerMetrics } from '../../src/shared/demo-streams';
import { loadDemoConfig } from '../../src/config/demo.config';
import { type DemoTestApp, startDemoApp } from '../support/demo-app';
import { type Frame, TestClient } from '../support/ws-client';

const json = { 'content-type': 'application/json' };
const isSync = (f: Frame) => f.event?.type === 'sync';

describe('demo app (in-process, memory adapter)', () => {
  let demo: DemoTestApp;
  const clients: TestClient[] = [];
  const connect = async (path = '') => {
    const client = await TestClient.connect(`${demo.streamsUrl}${path}`);
    clients.push(client);
    return client;
  };
  const post = (path: string, body: unknown) => fetch(`${demo.httpUrl}${path}`, { method: 'POST', headers: json, body: JSON.stringify(body) });

  beforeEach(async () => {
    demo = await startDemoApp({ METRICS_INTERVAL_MS: '50', CHAT_HISTORY_LIMIT: '3' });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await demo.app.close();
  });

  describe('chat REST API', () => {
    it('POST /chat/:room/messages answers 201 with the message and a subscriber of the room gets its create frame', async () => {
      const room = await connect('stream/chat-messages/lobby');
      await room.next(isSync);
      const res = await post('/chat/lobby/messages', { author: 'ann', text: '  hello there  ' });
      expect(res.status).toBe(201);
      const message = (await res.json()) as ChatMessage;
      expect(message).toEqual({ id: expect.any(String), room: 'lobby', author: 'ann', text: 'hello there', sentAt: expect.any(String) });
      expect(await room.next()).toMatchObject({ streamName: 'chat-messages', groupId: 'lobby', id: message.id, event: { type: 'create', data: message } });
    });

    it('an invalid body or room is refused with 400 and one message per problem; nothing is written', async () => {
      const res = await post('/chat/lobby/messages', { author: 'Not Valid!', text: '   ', admin: true });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { message: string[] }).message.sort()).toEqual([
        'author must be 1-24 lower-case letters, digits, _ or -',
        'property admin should not exist',
        'text must not be empty',
      ]);
      const tooLong = await post('/chat/lobby/messages', { author: 'ann', text: 'x'.repeat(501) });
      expect(((await tooLong.json()) as { message: string[] }).message).toEqual(['text must be shorter than or equal to 500 characters']);
      const badRoom = await post('/chat/Lobby%20Room/messages', { author: 'ann', text: 'hi' });
      expect(badRoom.status).toBe(400);
      expect(((await badRoom.json()) as { message: string[] }).message).toEqual(['room must be 1-32 lower-case letters, digits or dashes']);
      expect(await demo.app.get(StreamsService).listGroups({ stream_name: 'chat-messages' })).toEqual([]);
    });

    it('GET /chat/:room/messages lists oldest first and keeps only CHAT_HISTORY_LIMIT messages', async () => {
      for (const text of ['one', 'two', 'three', 'four']) expect((await post('/chat/dev/messages', { author: 'bob', text })).status).toBe(201);
      const res = await fetch(`${demo.httpUrl}/chat/dev/messages`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as ChatMessage[]).map((m) => m.text)).toEqual(['two', 'three', 'four']);
      expect(await (await fetch(`${demo.httpUrl}/chat/empty-room/messages`)).json()).toEqual([]);
    });

    it('POST /chat/:room/typing answers 204 and sends a typing event, storing nothing', async () => {
      const room = await connect('stream/chat-messages/lobby');
      await room.next(isSync);
      const res = await post('/chat/lobby/typing', { author: 'ann' });
      expect(res.status).toBe(204);
      expect(await room.next()).toMatchObject({ id: null, event: { type: 'event', event: { type: 'typing', data: { author: 'ann' } } } });
      expect((await post('/chat/lobby/typing', {})).status).toBe(400);
      expect(await demo.app.get(StreamsService).list({ stream_name: 'chat-messages', group_id: 'lobby' })).toEqual([]);
    });
  });

  it('a mention notifies each mentioned user (not the author) on their own notifications group', async () => {
    const ann = await connect('stream/notifications/ann');
    const bob = await connect('stream/notifications/bob');
    await ann.next(isSync);
    await bob.next(isSync);
    const res = await post('/chat/lobby/messages', { author: 'bob', text: '@Ann look, @bob is me' });
    const message = (await res.json()) as ChatMessage;
    const frame = await ann.next();
    expect(frame).toMatchObject({ streamName: 'notifications', groupId: 'ann', event: { type: 'create' } });
    expect(frame.event!.data as MentionNotification).toEqual({
      id: frame.id,
      kind: 'mention',
      from: 'bob',
      room: 'lobby',
      messageId: message.id,
      text: '@Ann look, @bob is me',
      createdAt: expect.any(String),
    });
    expect(await bob.quiet()).toEqual([]);
  });

  it('metrics: `current` is updated every interval (tick counter incremented) and `history` is replaced with set', async () => {
    const metrics = await connect('stream/dashboard-metrics/server');
    await metrics.next(isSync);
    const currents: ServerMetrics[] = [];
    let history: MetricsHistory | null = null;
    while (currents.length < 3 || !history) {
      const frame = await metrics.next();
      if (frame.id === 'current') currents.push(frame.event!.data as ServerMetrics);
      else history = frame.event!.data as MetricsHistory;
    }
    const ticks = currents.map((c) => c.ticks);
    expect(ticks[1]).toBe(ticks[0] + 1);
    expect(ticks[2]).toBe(ticks[1] + 1);
    expect(currents[2]).toEqual({
      id: 'current',
      ticks: expect.any(Number),
      cpuPercent: expect.any(Number),
      heapUsedMb: expect.any(Number),
      rssMb: expect.any(Number),
      eventLoopDelayMs: expect.any(Number),
      uptimeSeconds: expect.any(Number),
      startedAt: expect.any(String),
      intervalMs: 50,
      updatedAt: expect.any(String),
    });
    expect(history.id).toBe('history');
    expect(history.samples[0]).toEqual({ at: expect.any(Number), cpuPercent: expect.any(Number), heapUsedMb: expect.any(Number), rssMb: expect.any(Number), eventLoopDelayMs: expect.any(Number) });
  });

  it('metrics stop being written once the app closes', async () => {
    const own = await startDemoApp({ METRICS_INTERVAL_MS: '20' });
    const update = jest.spyOn(own.app.get(StreamsService), 'update');
    const metrics = await TestClient.connect(`${own.streamsUrl}stream/dashboard-metrics/server`);
    await metrics.next((f) => f.id === 'current' && f.event?.type !== 'sync');
    await own.app.close();
    const calls = update.mock.calls.length;
    // Ten intervals of silence: the timer is gone, not just slow.
    await new Promise((r) => setTimeout(r, 200));
    expect(update.mock.calls.length).toBe(calls);
  });

  it('serves the page, its bundled script and a config.json pointing at the bound streams port', async () => {
    const page = await fetch(`${demo.httpUrl}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script type="module" src="/app.js"></script>');
    const script = await fetch(`${demo.httpUrl}/app.js`);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await script.text()).toContain('StreamsClient');
    expect((await fetch(`${demo.httpUrl}/styles.css`)).status).toBe(200);
    const config = await fetch(`${demo.httpUrl}/config.json`);
    expect(await config.json()).toEqual({ streamsUrl: demo.streamsUrl });
  });

  it('exposes Prometheus metrics on GET /metrics and a terminus health check on GET /health', async () => {
    const c = await connect('stream/chat-messages/lobby');
    await c.next(isSync);
    const scrape = await fetch(`${demo.httpUrl}/metrics`);
    expect(scrape.headers.get('content-type')).toMatch(/^text\/plain;.*version=0\.0\.4/);
    expect(await scrape.text()).toMatch(/^streams_connections 1$/m);
    const health = await fetch(`${demo.httpUrl}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', info: { streams: { status: 'up' } } });
  });

  it('STREAMS_ATTACH_PATH serves the streams on the HTTP port under that path, and hands the page that URL', async () => {
    const one = await startDemoApp({ STREAMS_ATTACH_PATH: '/streams' });
    try {
      expect(one.streamsUrl).toBe(`${one.httpUrl.replace('http:', 'ws:')}/streams/`);
      expect(await (await fetch(`${one.httpUrl}/config.json`)).json()).toEqual({ streamsUrl: `${one.httpUrl.replace('http:', 'ws:')}/streams` });
      const c = await TestClient.connect(`${one.streamsUrl}stream/chat-messages/lobby`);
      await c.next(isSync);
      const posted = await fetch(`${one.httpUrl}/chat/lobby/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ author: 'ann', text: 'one port' }) });
      expect(posted.status).toBe(201);
      expect(await c.next((f) => f.event?.type === 'create')).toMatchObject({ event: { data: { text: 'one port' } } });
      c.close();
    } finally {
      await one.app.close();
    }
    expect(() => loadDemoConfig({ STREAMS_ATTACH_PATH: '/streams', STREAMS_PORT: '3112' })).toThrow('STREAMS_ATTACH_PATH excludes STREAMS_PORT and STREAMS_HOST');
    expect(() => loadDemoConfig({ STREAMS_ATTACH_PATH: 'streams/' })).toThrow('STREAMS_ATTACH_PATH must be a path such as /streams');
  });

  it('STREAMS_PUBLIC_URL overrides the streams URL handed to the page', async () => {
    const own = await startDemoApp({ STREAMS_PUBLIC_URL: 'wss://demo.example/streams' });
    try {
      expect(await (await fetch(`${own.httpUrl}/config.json`)).json()).toEqual({ streamsUrl: 'wss://demo.example/streams' });
    } finally {
      await own.app.close();
    }
  });
});

describe('npm start (scripts/start.js in a child process)', () => {
  const root = join(__dirname, '../..');
  let child: ChildProcess | null = null;
  const started: ChildProcess[] = [];
  let blocker: Server | null = null;

  const start = (env: Record<string, string>) => {
    if (child) started.push(child);
    child = spawn(process.execPath, ['scripts/start.js'], { cwd: root, env: { ...process.env, STREAMS_ADAPTER: 'memory', PORT: '0', STREAMS_PORT: '0', STREAMS_HOST: '127.0.0.1', ...env }, stdio: 'pipe' });
    const output = { stdout: '', stderr: '' };
    child.stdout!.on('data', (d: Buffer) => (output.stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output.stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    return { output, exited };
  };
  const takenPort = async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker!.listen(0, resolve));
    return (blocker.address() as { port: number }).port;
  };

  afterEach(async () => {
    for (const c of [...started.splice(0), ...(child ? [child] : [])]) {
      if (c.exitCode !== null || c.signalCode !== null) continue;
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await gone;
    }
    child = null;
    await new Promise((r) => (blocker ? blocker.close(r) : r(undefined)));
    blocker = null;
  });

  const banner = async (output: { stdout: string; stderr: string }) => {
    const end = Date.now() + 20_000;
    while (!output.stdout.includes('Press Ctrl+C')) {
      if (Date.now() > end || child!.exitCode !== null) throw new Error(`no banner:\n${output.stdout}\n${output.stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  it('prints a banner with the real URLs, serves them, and stops on SIGTERM', async () => {
    const { output, exited } = start({});
    await banner(output);
    const dashboard = /Dashboard\s+(http:\/\/localhost:\d+)\//.exec(output.stdout)![1];
    const streams = /Streams\s+(ws:\/\/localhost:\d+\/)/.exec(output.stdout)![1];
    expect(output.stdout).toContain('Storage    memory');
    const config = (await (await fetch(`${dashboard.replace('localhost', '127.0.0.1')}/config.json`)).json()) as { streamsUrl: string };
    expect(config.streamsUrl.replace('127.0.0.1', 'localhost')).toBe(streams);
    const health = /Ops\s+\S+\s+(http:\/\/localhost:\d+\/health)/.exec(output.stdout)![1];
    expect((await fetch(health.replace('localhost', '127.0.0.1'))).status).toBe(200);
    child!.kill('SIGTERM');
    await exited;
  });

  it.each([
    ['streams', 'STREAMS_PORT', 'the streams listener'],
    ['HTTP', 'PORT', 'the HTTP server'],
  ])('a taken %s port fails with a message naming the port and %s, exit code 1', async (_, variable, what) => {
    const port = await takenPort();
    const { output, exited } = start({ [variable]: String(port) });
    expect(await exited).toBe(1);
    expect(output.stderr).toContain(`Could not start the demo: Port ${port} is already in use, so ${what} cannot start.`);
    expect(output.stderr).toContain(`${variable}=${port + 1} npm start`);
  });

  // docs/guides/demo.md: a second `npm start` in the same checkout (same file store) answers with one line of advice.
  it('a second copy on the same file store fails with one line saying what to do, exit code 1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'demo-store-'));
    try {
      await banner(start({ STREAMS_ADAPTER: 'file', STREAMS_DATA_DIR: dir }).output);
      const { output, exited } = start({ STREAMS_ADAPTER: 'file', STREAMS_DATA_DIR: dir });
      expect(await exited).toBe(1);
      expect(output.stderr.trim()).toMatch(
        new RegExp(`^Could not start the demo: The stream store \\S+ is already open in process \\d+ on \\S+: is the demo already running\\? .* STREAMS_DATA_DIR=\\S+-2 PORT=3001 STREAMS_PORT=3113 npm start$`),
      );
      expect(output.stdout).toBe('');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('bad environment variables fail with one message naming each of them', async () => {
    const { output, exited } = start({ PORT: 'eighty', STREAMS_ADAPTER: 'sqlite' });
    expect(await exited).toBe(1);
    expect(output.stderr.trim()).toBe(
      'Could not start the demo: Invalid environment: PORT must be an integer from 0 to 65535 (got "eighty"); STREAMS_ADAPTER must be one of the following values: memory, file, redis',
    );
  });
});
