import type { SubscriptionRequest } from 'nest-realtime-streams-protocol';
import type { ConnectionState } from './streams-client.options';
import { refreshDelay, StreamsClient } from './streams-client';
import { fakeWebSockets, streamFrame } from './testing/fake-websocket';

interface Msg {
  id: string;
  text: string;
}
interface TestStreams {
  chat: { item: Msg; events: { typing: { author: string }; read: { upTo: number } } };
  metrics: { item: { cpu: number } };
}

const reconnect = { initialDelayMs: 100, maxDelayMs: 400, factor: 2, jitter: 0 };

describe('StreamsClient', () => {
  let fakes: ReturnType<typeof fakeWebSockets>;
  let client: StreamsClient<TestStreams>;
  let states: ConnectionState[];

  beforeEach(() => {
    jest.useFakeTimers();
    fakes = fakeWebSockets();
    client = new StreamsClient<TestStreams>({ url: 'ws://streams.test/', WebSocket: fakes.WebSocket, protocols: ['Authorization', 't0k'], reconnect });
    states = [];
    client.on('state', (s) => states.push(s));
  });
  afterEach(() => {
    client.close();
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  describe('subscriptions on one socket', () => {
    it('connects at once with the url (asking to be told why if refused) and protocols; subscriptions made before open are joined on open', () => {
      expect(fakes.sockets).toHaveLength(1);
      expect(fakes.last()).toMatchObject({ url: 'ws://streams.test/?refusal=close', protocols: ['Authorization', 't0k'] });
      expect(client.state).toBe('connecting');
      client.subscribeGroup('chat', 'room-1');
      client.subscribeItem('metrics', 'server', 'current');
      fakes.last().open();
      expect(states).toEqual(['open']);
      expect(fakes.last().sent).toEqual([
        { type: 'join', data: { subscriptionId: 's1', streamName: 'chat', groupId: 'room-1' } },
        { type: 'join', data: { subscriptionId: 's2', streamName: 'metrics', groupId: 'server', id: 'current' } },
      ]);
    });

    it('joins at once when open; close() leaves once and stops the mirror', () => {
      fakes.last().open();
      const room = client.subscribeGroup('chat', 'room-1');
      expect(fakes.last().sent).toEqual([{ type: 'join', data: { subscriptionId: 's1', streamName: 'chat', groupId: 'room-1' } }]);
      const changed = jest.fn();
      room.on('change', changed);
      room.close();
      room.close();
      fakes.last().push(streamFrame({ streamName: 'chat', groupId: 'room-1', event: { type: 'sync', data: [{ id: 'a', text: 'A' }] } }));
      expect(fakes.last().sent.slice(1)).toEqual([{ type: 'leave', data: { subscriptionId: 's1', streamName: 'chat', groupId: 'room-1' } }]);
      expect(changed).not.toHaveBeenCalled();
      expect(room.items.size).toBe(0);
    });

    it('mirrors groups and items from frames; two subscriptions of one group each keep a full mirror', () => {
      fakes.last().open();
      const a = client.subscribeGroup('chat', 'room-1');
      const b = client.subscribeGroup('chat', 'room-1');
      const item = client.subscribeItem('chat', 'room-1', 'm2');
      const socket = fakes.last();
      socket.push(streamFrame({ streamName: 'chat', groupId: 'room-1', event: { type: 'sync', data: [{ id: 'm1', text: 'hi' }] } }));
      socket.push(streamFrame({ streamName: 'chat', groupId: 'room-1', id: 'm2', event: { type: 'sync', data: null } }));
      socket.push(streamFrame({ streamName: 'chat', groupId: 'room-1', id: 'm2', event: { type: 'create', data: { id: 'm2', text: 'yo' } } }));
      expect(a.values).toEqual([
        { id: 'm1', text: 'hi' },
        { id: 'm2', text: 'yo' },
      ]);
      expect(b.items).toEqual(a.items);
      expect(item.value).toEqual({ id: 'm2', text: 'yo' });
      expect([a.synced, item.synced]).toEqual([true, true]);
    });

    it('server error frames are reported on `error`; junk frames are ignored', () => {
      fakes.last().open();
      const errors = jest.fn();
      client.on('error', errors);
      fakes.last().push('not json');
      fakes.last().push({ type: 'error', error: { code: 'subscription_limit', message: 'too many', subscriptionId: 's1' } });
      expect(errors).toHaveBeenCalledWith({ code: 'subscription_limit', message: 'too many', subscriptionId: 's1' });
    });
  });

  describe('typed custom events', () => {
    it('onEvent on a subscription gets the data and meta of its type only', () => {
      fakes.last().open();
      const room = client.subscribeGroup('chat', 'room-1');
      const typing = jest.fn();
      const off = room.onEvent('typing', (data, meta) => typing(data.author, meta));
      fakes.last().push(streamFrame({ streamName: 'chat', groupId: 'room-1', timestamp: 5_000_000, event: { type: 'event', event: { type: 'typing', data: { author: 'ann' } } } }));
      fakes.last().push(streamFrame({ streamName: 'chat', groupId: 'room-1', event: { type: 'event', event: { type: 'read', data: { upTo: 3 } } } }));
      off();
      fakes.last().push(streamFrame({ streamName: 'chat', groupId: 'room-1', event: { type: 'event', event: { type: 'typing', data: { author: 'bob' } } } }));
      expect(typing.mock.calls).toEqual([['ann', { type: 'typing', id: null, timestamp: 5_000_000 }]]);
    });

    it('client.onEvent joins the group for it and leaves when called back', () => {
      fakes.last().open();
      const reads: number[] = [];
      const off = client.onEvent('chat', 'room-9', 'read', (data) => reads.push(data.upTo));
      fakes.last().push(streamFrame({ streamName: 'chat', groupId: 'room-9', event: { type: 'event', event: { type: 'read', data: { upTo: 7 } } } }));
      off();
      expect(reads).toEqual([7]);
      expect(fakes.last().sent.map((m) => m.type)).toEqual(['join', 'leave']);
    });

    it('event names and payloads are checked against the schema at compile time', () => {
      const room = client.subscribeGroup('chat', 'room-1');
      // @ts-expect-error `typo` is not an event of `chat`
      room.onEvent('typo', () => undefined);
      // @ts-expect-error `read` carries { upTo: number }
      room.onEvent('read', (data: { author: string }) => data);
      // @ts-expect-error `metrics` declares no events
      client.onEvent('metrics', 'server', 'typing', () => undefined);
      // @ts-expect-error not a stream of the schema
      client.subscribeGroup('nope', 'g');
      const cpu: number | undefined = client.subscribeItem('metrics', 'server', 'current').value?.cpu;
      expect(cpu).toBeUndefined();
    });
  });

  describe('reconnect', () => {
    it('after a drop it waits out the backoff, reconnects, re-joins live subscriptions and re-syncs', () => {
      fakes.last().open();
      const room = client.subscribeGroup('chat', 'room-1');
      const gone = client.subscribeItem('metrics', 'server', 'current');
      fakes.last().push(streamFrame({ streamName: 'chat', groupId: 'room-1', timestamp: 9e12, event: { type: 'sync', data: [{ id: 'a', text: 'A' }, { id: 'b', text: 'B' }] } }));
      gone.close();

      fakes.last().drop();
      expect(states).toEqual(['open', 'reconnecting']);
      expect(room.values).toHaveLength(2);
      jest.advanceTimersByTime(99);
      expect(fakes.sockets).toHaveLength(1);
      jest.advanceTimersByTime(1);
      expect(fakes.sockets).toHaveLength(2);
      expect(states.at(-1)).toBe('connecting');

      fakes.last().open();
      expect(fakes.last().sent).toEqual([{ type: 'join', data: { subscriptionId: 's1', streamName: 'chat', groupId: 'room-1' } }]);
      expect(room.synced).toBe(false);
      // The new server's clock may be behind the old one: its sync is still applied, and replaces the mirror.
      fakes.last().push(streamFrame({ streamName: 'chat', groupId: 'room-1', timestamp: 1, event: { type: 'sync', data: [{ id: 'b', text: 'B2' }] } }));
      expect(room.values).toEqual([{ id: 'b', text: 'B2' }]);
      expect(states).toEqual(['open', 'reconnecting', 'connecting', 'open']);
    });

    it('backs off exponentially up to the cap while connecting fails, and starts over after a success', () => {
      const delays: number[] = [];
      for (let i = 0; i < 5; i++) {
        const before = Date.now();
        fakes.last().drop();
        const count = fakes.sockets.length;
        while (fakes.sockets.length === count) jest.advanceTimersByTime(1);
        delays.push(Date.now() - before);
      }
      expect(delays).toEqual([100, 200, 400, 400, 400]);
      fakes.last().open();
      fakes.last().drop();
      const before = Date.now();
      jest.advanceTimersByTime(100);
      expect(fakes.sockets).toHaveLength(7);
      expect(Date.now() - before).toBe(100);
    });

    it('jitter randomises the delay below the exponential value', () => {
      client.close();
      jest.spyOn(Math, 'random').mockReturnValue(0.5);
      client = new StreamsClient<TestStreams>({ url: 'ws://x/', WebSocket: fakes.WebSocket, reconnect: { ...reconnect, jitter: 0.5 } });
      fakes.last().drop();
      jest.advanceTimersByTime(74);
      const count = fakes.sockets.length;
      jest.advanceTimersByTime(1);
      expect(fakes.sockets).toHaveLength(count + 1);
    });

    it('close() while waiting stops reconnecting for good and closes the socket normally', () => {
      fakes.last().open();
      const socket = fakes.last();
      client.close();
      expect(socket.closedWith).toEqual({ code: 1000, reason: 'client closed' });
      expect(states).toEqual(['open', 'closed']);
      socket.drop();
      jest.advanceTimersByTime(60_000);
      expect(fakes.sockets).toHaveLength(1);
      expect(() => client.subscribeGroup('chat', 'room-1')).toThrow(/after close/);

      const other = new StreamsClient<TestStreams>({ url: 'ws://x/', WebSocket: fakes.WebSocket, reconnect });
      fakes.last().drop();
      other.close();
      jest.advanceTimersByTime(60_000);
      expect(fakes.sockets).toHaveLength(2);
    });

    it('a refused upgrade (HTTP 401/403/404) ends in `refused` with the status, and nothing is retried until retry()', () => {
      const failures: unknown[] = [];
      client.on('connectFailed', (f) => failures.push(f));
      fakes.last().refuse(401);
      expect(client.state).toBe('refused');
      expect(failures).toEqual([{ status: 401, failures: 1, reason: null }]);
      expect(client.refusal).toEqual({ status: 401, failures: 1, reason: null });
      jest.advanceTimersByTime(60_000);
      expect(fakes.sockets).toHaveLength(1);
      client.retry();
      expect(fakes.sockets).toHaveLength(2);
      fakes.last().refuse(404);
      expect(failures).toEqual([
        { status: 401, failures: 1, reason: null },
        { status: 404, failures: 2, reason: null },
      ]);
      client.retry();
      fakes.last().open();
      expect(states).toEqual(['refused', 'connecting', 'refused', 'connecting', 'open']);
      expect(client.refusal).toBeNull();
    });

    it('a refusal told by a close 4001 (browsers) ends in `refused` with the reason, and is not retried', () => {
      const failures: unknown[] = [];
      client.on('connectFailed', (f) => failures.push(f));
      fakes.last().refuseByClose('{"code":"forbidden","message":"banned"}');
      const refusal = { status: 401, failures: 1, reason: { code: 'forbidden', message: 'banned' } };
      expect(failures).toEqual([refusal]);
      expect(client.state).toBe('refused');
      expect(client.refusal).toEqual(refusal);
      jest.advanceTimersByTime(60_000);
      expect(fakes.sockets).toHaveLength(1);
      // A reason that is not JSON is still a refusal.
      client.retry();
      fakes.last().refuseByClose('no');
      expect(client.refusal?.reason).toEqual({ code: 'unauthorized', message: 'no' });
      expect(states).toEqual(['open', 'refused', 'connecting', 'open', 'refused']);
    });

    it('with retryRefused a refusal told by a close backs off, its attempts counting on (the brief open does not reset them)', () => {
      client.close();
      client = new StreamsClient<TestStreams>({ url: 'ws://x/?token=a', WebSocket: fakes.WebSocket, reconnect, retryRefused: true });
      expect(fakes.last().url).toBe('ws://x/?token=a&refusal=close');
      const failures: number[] = [];
      client.on('connectFailed', (f) => failures.push(f.failures));
      fakes.last().refuseByClose('{"code":"unauthorized","message":"authentication refused"}');
      jest.advanceTimersByTime(100);
      fakes.last().refuseByClose('{"code":"unauthorized","message":"authentication refused"}');
      jest.advanceTimersByTime(199);
      expect(fakes.sockets).toHaveLength(3);
      jest.advanceTimersByTime(1);
      expect(fakes.sockets).toHaveLength(4);
      expect(failures).toEqual([1, 2]);
    });

    it('protocols given as a function are read on every attempt (a renewed token is used by the retry)', () => {
      client.close();
      let token = 'old';
      client = new StreamsClient<TestStreams>({ url: 'ws://x/', WebSocket: fakes.WebSocket, reconnect, protocols: () => ['Authorization', token] });
      fakes.last().refuse(401);
      token = 'new';
      client.retry();
      expect(fakes.sockets.slice(-2).map((s) => s.protocols)).toEqual([['Authorization', 'old'], ['Authorization', 'new']]);
    });

    it('any other pre-open failure (a 503, or a browser where the status is hidden) backs off and reports connectFailed', () => {
      const failures: unknown[] = [];
      client.on('connectFailed', (f) => failures.push(f));
      fakes.last().refuse(503);
      expect(client.state).toBe('reconnecting');
      jest.advanceTimersByTime(100);
      fakes.last().drop();
      jest.advanceTimersByTime(200);
      expect(failures).toEqual([
        { status: 503, failures: 1, reason: null },
        { status: null, failures: 2, reason: null },
      ]);
      expect(fakes.sockets).toHaveLength(3);
    });

    it('with retryRefused a refusal is retried with the backoff like any failure', () => {
      client.close();
      client = new StreamsClient<TestStreams>({ url: 'ws://x/', WebSocket: fakes.WebSocket, reconnect, retryRefused: true });
      fakes.last().refuse(401);
      expect(client.state).toBe('reconnecting');
      jest.advanceTimersByTime(100);
      expect(fakes.last().readyState).toBe(0);
    });

    it('with reconnect: false a lost connection ends in `closed`', () => {
      client.close();
      client = new StreamsClient<TestStreams>({ url: 'ws://x/', WebSocket: fakes.WebSocket, reconnect: false });
      client.on('state', (s) => states.push(s));
      fakes.last().open();
      fakes.last().drop();
      jest.advanceTimersByTime(60_000);
      expect(states.slice(-2)).toEqual(['open', 'closed']);
    });
  });

  describe('resume', () => {
    const room = { streamName: 'chat', groupId: 'room-1' } as const;
    const cpu = { streamName: 'metrics', groupId: 'server', id: 'current' } as const;
    const reconnected = (code?: number) => {
      fakes.last().drop(code);
      jest.advanceTimersByTime(reconnect.maxDelayMs);
      fakes.last().open();
      return fakes.last();
    };

    it('a first join sends no position; a re-join sends the last position each subscription saw', () => {
      fakes.last().open();
      const chat = client.subscribeGroup('chat', 'room-1');
      const metrics = client.subscribeItem('metrics', 'server', 'current');
      client.subscribeGroup('chat', 'room-2');
      expect(fakes.last().sent.every((m) => !('position' in m.data))).toBe(true);
      fakes.last().push(streamFrame({ ...room, position: 'e:1', event: { type: 'sync', data: [] } }));
      fakes.last().push(streamFrame({ ...room, id: 'a', position: 'e:2', event: { type: 'create', data: { id: 'a', text: 'A' } } }));
      fakes.last().push(streamFrame({ ...room, position: 'e:3', event: { type: 'event', event: { type: 'typing', data: { author: 'ann' } } } }));
      fakes.last().push(streamFrame({ ...cpu, position: 'm:7', event: { type: 'sync', data: { cpu: 1 } } }));
      expect([chat.position, metrics.position]).toEqual(['e:3', 'm:7']);

      // room-2 never synced: it has nothing to resume from and asks for a fresh sync.
      expect(reconnected().sent).toEqual([
        { type: 'join', data: { subscriptionId: 's1', ...room, position: 'e:3' } },
        { type: 'join', data: { subscriptionId: 's2', ...cpu, position: 'm:7' } },
        { type: 'join', data: { subscriptionId: 's3', streamName: 'chat', groupId: 'room-2' } },
      ]);
    });

    it('replayed frames are applied to the mirror, resumed marks it ready with no sync; duplicates of overlapping replays are dropped', () => {
      fakes.last().open();
      const chat = client.subscribeGroup('chat', 'room-1');
      const message = client.subscribeItem('chat', 'room-1', 'b');
      fakes.last().push(streamFrame({ ...room, timestamp: 100, position: 'e:1', event: { type: 'sync', data: [{ id: 'a', text: 'A' }] } }));
      fakes.last().push(streamFrame({ ...room, id: 'b', timestamp: 100, position: 'e:1', event: { type: 'sync', data: null } }));
      const changes = jest.fn();
      const ready = jest.fn();
      chat.on('change', changes);
      chat.on('ready', ready);
      message.on('change', changes);

      const socket = reconnected();
      const update = streamFrame({ ...room, id: 'b', timestamp: 101, position: 'e:2', event: { type: 'create', data: { id: 'b', text: 'B' } } });
      socket.push(update);
      socket.push(streamFrame({ ...room, id: 'a', timestamp: 102, position: 'e:3', event: { type: 'delete', data: { id: 'a', text: 'A' } } }));
      socket.push({ type: 'resumed', subscriptionId: 's1', ...room, id: null, replayed: 2, position: 'e:3' });
      // The item's own replay repeats what the group's replay already brought.
      socket.push(update);
      socket.push({ type: 'resumed', subscriptionId: 's2', ...room, id: 'b', replayed: 1, position: 'e:3' });

      expect(chat.values).toEqual([{ id: 'b', text: 'B' }]);
      expect(message.value).toEqual({ id: 'b', text: 'B' });
      expect(changes.mock.calls.map(([c]: [{ type: string }]) => c.type)).toEqual(['create', 'create', 'delete']);
      expect(ready.mock.calls).toEqual([[{ type: 'resumed', replayed: 2, position: 'e:3' }]]);
      expect([chat.synced, chat.resumed, chat.continuityLost, message.resumed, message.position]).toEqual([true, true, false, true, 'e:3']);
    });

    it('a sync flagged continuityLost replaces the mirror instead of merging into it', () => {
      fakes.last().open();
      const chat = client.subscribeGroup('chat', 'room-1');
      fakes.last().push(streamFrame({ ...room, timestamp: 9e12, position: 'e:1', event: { type: 'sync', data: [{ id: 'a', text: 'A' }] } }));
      const socket = reconnected();
      expect((socket.sent[0].data as SubscriptionRequest).position).toBe('e:1');
      socket.push(streamFrame({ ...room, timestamp: 5, position: 'f:2', event: { type: 'sync', data: [{ id: 'c', text: 'C' }], continuityLost: true } }));
      expect(chat.values).toEqual([{ id: 'c', text: 'C' }]);
      expect([chat.synced, chat.resumed, chat.continuityLost, chat.position]).toEqual([true, false, true, 'f:2']);
    });

    it.each([
      [4008, 'slow consumer'],
      [1001, 'server shutdown'],
    ])('a close with %i (%s) reconnects and resumes like any drop', (code) => {
      fakes.last().open();
      const chat = client.subscribeGroup('chat', 'room-1');
      fakes.last().push(streamFrame({ ...room, position: 'e:5', event: { type: 'sync', data: [] } }));
      const socket = reconnected(code);
      expect(fakes.sockets).toHaveLength(2);
      expect(socket.sent).toEqual([{ type: 'join', data: { subscriptionId: 's1', ...room, position: 'e:5' } }]);
      socket.push({ type: 'resumed', subscriptionId: 's1', ...room, id: null, replayed: 0, position: 'e:5' });
      expect([chat.synced, chat.resumed]).toEqual([true, true]);
    });
  });

  describe('WebSocket implementation', () => {
    const host = globalThis as { WebSocket?: unknown };
    const original = host.WebSocket;
    afterEach(() => {
      host.WebSocket = original;
    });

    it('uses globalThis.WebSocket by default and says what to do when there is none', () => {
      host.WebSocket = fakes.WebSocket;
      new StreamsClient({ url: 'ws://global/' }).close();
      expect(fakes.last().url).toBe('ws://global/?refusal=close');
      host.WebSocket = undefined;
      expect(() => new StreamsClient({ url: 'ws://x/' })).toThrow(/pass one as the `WebSocket` option/);
    });
  });

  describe('getToken and expiring authentication', () => {
    const flush = async () => {
      for (let i = 0; i < 5; i++) await Promise.resolve();
    };

    it('refreshes when a quarter of the time is left, at most 30 s before the end', () => {
      expect(refreshDelay(10_000, 0)).toBe(7_500);
      expect(refreshDelay(3_600_000, 0)).toBe(3_570_000);
      expect(refreshDelay(100, 200)).toBe(0);
    });

    it('asks for a token before every attempt and sends a fresh one as a refresh before the expiry', async () => {
      client.close();
      let n = 0;
      const auth = new StreamsClient<TestStreams>({ url: 'ws://streams.test/', WebSocket: fakes.WebSocket, getToken: () => `tok-${++n}`, reconnect });
      await flush();
      expect(fakes.last().protocols).toEqual(['Authorization', 'tok-1']);
      fakes.last().open();
      fakes.last().push({ type: 'auth', expiresAt: Date.now() + 8000 });
      jest.advanceTimersByTime(5999);
      await flush();
      expect(fakes.last().sent).toEqual([]);
      jest.advanceTimersByTime(1);
      await flush();
      expect(fakes.last().sent).toEqual([{ type: 'refresh', data: { token: 'tok-2' } }]);
      fakes.last().drop(4401);
      jest.advanceTimersByTime(reconnect.initialDelayMs);
      await flush();
      expect(fakes.last().protocols).toEqual(['Authorization', 'tok-3']);
      auth.close();
    });
  });
});
