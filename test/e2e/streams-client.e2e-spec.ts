import { Injectable } from '@nestjs/common';
import { OnStreamJoin, type StreamSubscriptionPayload } from 'nest-realtime-streams';
import WebSocket from 'ws';
import {
  type ConnectionState,
  type ReadyEvent,
  type ReconnectOptions,
  StreamsClient,
  type StreamsErrorPayload,
  type WebSocketConstructor,
} from 'nest-realtime-streams-client';
import { startStreamsApp, type StreamsTestApp } from '../support/streams-app';
import { waitFor } from '../support/wait-for';

interface Message {
  id: string;
  text: string;
}
interface Streams {
  chat: { item: Message; events: { typing: { author: string } } };
  counters: { item: { n: number } };
}

@Injectable()
class RoomGuard {
  @OnStreamJoin({ stream_name: 'chat' })
  onJoin(payload: StreamSubscriptionPayload<{ user: string }>) {
    const refused = payload.group_id === 'private' && payload.context?.user !== 'admin';
    return refused ? { unauthorized: true, reason: 'admins only' } : { unauthorized: false };
  }
}

/** Reconnect fast so the restart case stays short. */
const reconnect = { initialDelayMs: 20, maxDelayMs: 200 };

/** A `ws` constructor that keeps its sockets, so a test can cut the client's connection from under it. */
function trackedWebSocket(): { WebSocket: WebSocketConstructor; sockets: WebSocket[] } {
  const sockets: WebSocket[] = [];
  class Tracked extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      sockets.push(this);
    }
  }
  return { WebSocket: Tracked, sockets };
}

describe('StreamsClient against a real StreamsModule (ws in Node)', () => {
  let t: StreamsTestApp;
  const clients: StreamsClient<Streams>[] = [];
  const connect = (options: { protocols?: string[]; WebSocket?: WebSocketConstructor; reconnect?: Partial<ReconnectOptions> } = {}) => {
    const client = new StreamsClient<Streams>({ url: t.url, WebSocket: options.WebSocket ?? WebSocket, reconnect: options.reconnect ?? reconnect, protocols: options.protocols });
    clients.push(client);
    return client;
  };
  const room = { stream_name: 'chat', group_id: 'room-1' };

  beforeEach(async () => {
    t = await startStreamsApp(
      {
        authFunction: ({ headers }) => ({ context: { user: headers['sec-websocket-protocol']?.split(',')[1]?.trim() ?? 'guest' } }),
      },
      { providers: [RoomGuard] },
    );
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await t.app.close();
  });

  it('mirrors a group from its sync and every later set, update and delete; an item subscription follows its item', async () => {
    await t.service.set({ ...room, item_id: 'm1', data: { id: 'm1', text: 'first' } });
    const client = connect();
    const messages = client.subscribeGroup('chat', 'room-1');
    const m2 = client.subscribeItem('chat', 'room-1', 'm2');
    await waitFor(() => messages.synced && m2.synced, { what: 'both syncs' });
    expect(messages.values).toEqual([{ id: 'm1', text: 'first' }]);
    expect(m2.value).toBeNull();

    await t.service.set({ ...room, item_id: 'm2', data: { id: 'm2', text: 'second' } });
    await t.service.update({ ...room, item_id: 'm2', ops: [{ type: 'set', path: 'text', value: 'edited' }] });
    await t.service.delete({ ...room, item_id: 'm1' });
    await waitFor(() => messages.items.size === 1 && messages.items.get('m2')?.text === 'edited', { what: 'the writes' });
    expect(m2.value).toEqual({ id: 'm2', text: 'edited' });
    expect(messages.values).toEqual(await t.service.list(room));
  });

  it('delivers typed custom events sent with StreamsService.send', async () => {
    const client = connect();
    const seen: string[] = [];
    const messages = client.subscribeGroup('chat', 'room-1');
    messages.onEvent('typing', (data) => seen.push(data.author));
    await waitFor(() => messages.synced, { what: 'the sync' });
    await t.service.send({ ...room, type: 'typing', data: { author: 'ann' } });
    await t.service.send({ ...room, type: 'other', data: { author: 'nobody' } });
    await t.service.send({ ...room, type: 'typing', data: { author: 'bob' } });
    await waitFor(() => seen.length === 2, { what: 'two typing events' });
    expect(seen).toEqual(['ann', 'bob']);
  });

  it('a join the server rejects is flagged unauthorized; the auth token travels as the Authorization sub-protocol', async () => {
    const guest = connect();
    const admin = connect({ protocols: ['Authorization', 'admin'] });
    const denied = guest.subscribeGroup('chat', 'private');
    const rejected = jest.fn();
    denied.on('unauthorized', rejected);
    const allowed = admin.subscribeGroup('chat', 'private');
    await waitFor(() => denied.unauthorized && allowed.synced, { what: 'the join answers' });
    expect(rejected).toHaveBeenCalledTimes(1);
    // The reason the join handler gave reaches the client.
    expect(rejected).toHaveBeenCalledWith({ code: 'unauthorized', message: 'admins only' });
    expect(denied.refusal).toEqual({ code: 'unauthorized', message: 'admins only' });
    expect(allowed.unauthorized).toBe(false);
    expect(allowed.refusal).toBeNull();
  });

  it('reports error frames for joins the server refuses', async () => {
    const client = connect();
    const errors: StreamsErrorPayload[] = [];
    client.on('error', (e) => errors.push(e));
    // An empty group is valid (as in iii); a name over the length limit is not.
    client.subscribeGroup('chat', 'x'.repeat(257));
    await waitFor(() => errors.length === 1, { what: 'an error frame' });
    expect(errors[0]).toMatchObject({ code: 'invalid_field', field: 'data.groupId' });
  });

  it('resumes after its connection drops: the writes missed meanwhile are replayed, with no re-sync', async () => {
    await t.service.set({ ...room, item_id: 'm1', data: { id: 'm1', text: 'first' } });
    const tracked = trackedWebSocket();
    // A slow first retry leaves time to write while the client is away.
    const client = connect({ WebSocket: tracked.WebSocket, reconnect: { initialDelayMs: 300, jitter: 0 } });
    const messages = client.subscribeGroup('chat', 'room-1');
    const m2 = client.subscribeItem('chat', 'room-1', 'm2');
    const ready: ReadyEvent[] = [];
    const typing: string[] = [];
    messages.on('ready', (event) => ready.push(event));
    messages.onEvent('typing', ({ author }) => typing.push(author));
    await waitFor(() => messages.synced && m2.synced, { what: 'the syncs' });
    const synced = messages.position;

    tracked.sockets[0].terminate();
    await waitFor(() => client.state === 'reconnecting', { what: 'the drop' });
    await t.service.set({ ...room, item_id: 'm2', data: { id: 'm2', text: 'second' } });
    await t.service.update({ ...room, item_id: 'm1', ops: [{ type: 'set', path: 'text', value: 'edited' }] });
    await t.service.send({ ...room, type: 'typing', data: { author: 'ann' } });
    await t.service.delete({ ...room, item_id: 'm1' });

    await waitFor(() => messages.resumed && m2.resumed, { what: 'the resumes' });
    expect(tracked.sockets).toHaveLength(2);
    expect(ready).toEqual([
      { type: 'sync', continuityLost: false, position: synced },
      { type: 'resumed', replayed: 4, position: expect.any(String) },
    ]);
    expect(messages.values).toEqual(await t.service.list(room));
    expect(messages.values).toEqual([{ id: 'm2', text: 'second' }]);
    expect(m2.value).toEqual({ id: 'm2', text: 'second' });
    expect(typing).toEqual(['ann']);
    expect([messages.continuityLost, m2.continuityLost]).toEqual([false, false]);

    // Live again, and the position keeps moving with what is applied.
    const resumedAt = messages.position;
    await t.service.set({ ...room, item_id: 'm3', data: { id: 'm3', text: 'live' } });
    await waitFor(() => messages.items.has('m3'), { what: 'a live write after the resume' });
    expect(messages.position).not.toBe(resumedAt);
  });

  it('after a server restart on the same port (its history lost) re-joins, is re-synced with continuityLost and mirrors the new state', async () => {
    const port = t.listener.address().port;
    await t.service.set({ ...room, item_id: 'old', data: { id: 'old', text: 'before restart' } });
    await t.service.set({ stream_name: 'counters', group_id: 'g', item_id: 'c', data: { n: 1 } });
    const client = connect();
    const states: ConnectionState[] = [];
    client.on('state', (s) => states.push(s));
    const messages = client.subscribeGroup('chat', 'room-1');
    const counter = client.subscribeItem('counters', 'g', 'c');
    const ready: ReadyEvent[] = [];
    messages.on('ready', (event) => ready.push(event));
    await waitFor(() => messages.synced && counter.value?.n === 1, { what: 'the first syncs' });

    await t.app.close();
    await waitFor(() => states.includes('reconnecting'), { what: 'the client to notice' });
    t = await startStreamsApp({ port }, { providers: [RoomGuard] });
    await t.service.set({ ...room, item_id: 'new', data: { id: 'new', text: 'after restart' } });
    await t.service.set({ stream_name: 'counters', group_id: 'g', item_id: 'c', data: { n: 42 } });

    await waitFor(() => client.state === 'open' && messages.synced && counter.value?.n === 42, { what: 'the re-sync' });
    expect(messages.values).toEqual([{ id: 'new', text: 'after restart' }]);
    expect(messages.values).toEqual(await t.service.list(room));
    expect(ready.map((e) => e.type === 'sync' && e.continuityLost)).toEqual([false, true]);
    expect([messages.continuityLost, messages.resumed, counter.continuityLost]).toEqual([true, false, true]);
    expect(states[0]).toBe('open');
    expect(states.slice(1, 3)).toEqual(['reconnecting', 'connecting']);

    // Live again: later writes arrive on the new socket.
    await t.service.set({ ...room, item_id: 'later', data: { id: 'later', text: 'live' } });
    await waitFor(() => messages.items.has('later'), { what: 'a live write after the restart' });
  });
});
