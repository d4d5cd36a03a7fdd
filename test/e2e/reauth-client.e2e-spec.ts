import { Injectable } from '@nestjs/common';
import { CLOSE_CODES, OnStreamJoin, type StreamAuthFunction, type StreamJoinResult, type StreamSubscriptionPayload } from 'nest-realtime-streams';
import { type ConnectionState, StreamsClient, type WebSocketConstructor } from 'nest-realtime-streams-client';
import WebSocket from 'ws';
import { startStreamsApp, type StreamsTestApp } from '../support/streams-app';
import { waitFor } from '../support/wait-for';

/** Every token lives this long; the client must refresh each one before it ends. */
const TOKEN_MS = 600;

/** Token `<user>.<n>`, from the sub-protocol on connect or from a refresh frame; each token used once. */
function tokenAuth(seen: string[]): StreamAuthFunction {
  return ({ headers, refresh }) => {
    const token = refresh?.token ?? headers['sec-websocket-protocol']?.split(',')[1]?.trim();
    if (!token || seen.includes(token)) return false;
    seen.push(token);
    return { context: { user: token.split('.')[0] }, expiresAt: Date.now() + TOKEN_MS };
  };
}

@Injectable()
class RoomMembers {
  @OnStreamJoin({ stream_name: 'room' })
  join(payload: StreamSubscriptionPayload<{ user: string }>): StreamJoinResult {
    return { presence: { key: payload.context!.user, data: null } };
  }
}

describe('typed client: getToken refreshes a live socket, and presence in the mirror', () => {
  let t: StreamsTestApp;
  const seen: string[] = [];
  const clients: StreamsClient[] = [];

  beforeEach(async () => {
    seen.length = 0;
    // Tokens of 600 ms need more refreshes than the default budget (one every 5 s) allows.
    t = await startStreamsApp({ authFunction: tokenAuth(seen), limits: { refreshesPerSecond: 10 } }, { providers: [RoomMembers] });
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await t.app.close();
  });

  const client = (user: string, getToken: () => string | Promise<string>) => {
    const c = new StreamsClient({ url: `${t.url}/`, WebSocket: WebSocket as unknown as WebSocketConstructor, getToken, reconnect: { initialDelayMs: 20, maxDelayMs: 100 } });
    clients.push(c);
    return c;
  };

  it('refreshes before each expiry on the same socket (no reconnect, nothing missed), with a new token each time', async () => {
    let n = 0;
    const c = client('ann', () => `ann.${++n}`);
    const states: ConnectionState[] = [];
    c.on('state', (s) => states.push(s));
    const room = c.subscribeGroup('room', 'a');
    await waitFor(() => room.synced, { what: 'sync' });
    for (let i = 0; i < 40; i++) {
      await t.service.set({ stream_name: 'room', group_id: 'a', item_id: `i${i}`, data: { id: `i${i}` } });
      await new Promise((r) => setTimeout(r, 50)); // 2 s: past three token lifetimes
    }
    await waitFor(() => room.items.size === 40, { what: 'every item' });
    expect(states).toEqual(['open']);
    expect(n).toBeGreaterThanOrEqual(4);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('when a refresh cannot get a token the socket expires (4401) and the client reconnects with a fresh one, resuming', async () => {
    let n = 0;
    let failNext = false;
    const c = client('bob', () => {
      n++;
      if (failNext) {
        failNext = false;
        throw new Error('token service down');
      }
      return `bob.${n}`;
    });
    const errors: string[] = [];
    c.on('error', (e) => errors.push(e.code));
    const room = c.subscribeGroup('room', 'b');
    await waitFor(() => room.synced, { what: 'sync' });
    failNext = true;
    await waitFor(() => c.state !== 'open', { what: 'the expiry', ms: 3000 });
    await t.service.set({ stream_name: 'room', group_id: 'b', item_id: 'while-away', data: { id: 'while-away' } });
    await waitFor(() => c.state === 'open' && room.items.has('while-away'), { what: 'the reconnect' });
    expect(errors).toEqual(['get_token_failed']);
    expect(seen).toEqual(['bob.1', 'bob.3']);
    expect(CLOSE_CODES.AUTH_EXPIRED).toBe(4401);
  });

  it('group.presence lists the members; setPresence reaches the others and is sent again after a reconnect', async () => {
    let n = 0;
    let bobFails = false;
    const ann = client('ann', () => `ann.${++n}`).subscribeGroup('room', 'p', { presence: true });
    const bobClient = client('bob', () => {
      if (bobFails) {
        bobFails = false;
        throw new Error('token service down');
      }
      return `bob.${++n}`;
    });
    const bob = bobClient.subscribeGroup('room', 'p', { presence: true });
    await waitFor(() => ann.presence?.members?.has('bob') === true && bob.presence?.count === 2, { what: 'both members' });
    const changes: string[] = [];
    ann.on('presence', (e) => changes.push(e.type));
    bob.setPresence({ typing: true });
    const typing = () => (ann.presence?.members?.get('bob')?.state as { typing?: boolean } | null)?.typing === true;
    await waitFor(typing, { what: 'typing' });
    // Bob's socket expires (his refresh fails) and comes back: the server seats him afresh, his client restores his state.
    bobFails = true;
    await waitFor(() => bobClient.state !== 'open', { what: 'bob’s expiry', ms: 3000 });
    await waitFor(() => bobClient.state === 'open' && typing() && changes.includes('leave'), { what: 'bob back, typing' });
    // His join and restored state come as two changes, or as one join with the state when coalesced into one frame.
    expect(changes.slice(changes.indexOf('leave')).join(' ')).toMatch(/^leave join( update)?$/);
    bob.close();
    await waitFor(() => ann.presence?.count === 1 && !ann.presence.members?.has('bob'), { what: 'bob left' });
    const counter = client('cat', () => `cat.${++n}`).subscribeGroup('room', 'p', { presence: 'count' });
    await waitFor(() => counter.presence?.count === 2, { what: 'the count' });
    expect(counter.presence?.members).toBeNull();
  });
});
