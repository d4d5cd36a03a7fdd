import { ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { connect, type Socket } from 'node:net';
import { OnStreamJoin } from 'nest-realtime-streams';
import { StreamsClient } from 'nest-realtime-streams-client';
import WebSocket from 'ws';
import { CLOSE_CODES } from '../../libs/streams/src/protocol/protocol.constants';
import { startStreamsApp, type StreamsTestApp } from '../support/streams-app';
import { TestClient } from '../support/ws-client';
import { waitFor } from '../support/wait-for';

@Injectable()
class JoinCounter {
  joins = 0;

  @OnStreamJoin()
  join() {
    this.joins++;
    return { unauthorized: false };
  }
}

/** The auth function of these tests: the token (query `token`) says how to refuse. */
async function auth({ query_params }: { query_params: Record<string, string[]> }) {
  const token = query_params.token?.[0];
  if (token === 'ok') return { context: { user: 'ann' } };
  if (token === 'banned') throw new ForbiddenException('banned until Monday');
  if (token === 'expired') throw new UnauthorizedException('x'.repeat(300));
  if (token === 'broken') throw new Error('connection to the user database lost');
  return false;
}

/** An upgrade request over raw TCP that never answers the server's close (a client that does not play along). */
async function silentUpgrade(port: number, path: string): Promise<{ socket: Socket; head: Promise<string>; ended: Promise<void> }> {
  const socket = connect(port, '127.0.0.1');
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
  );
  const head = new Promise<string>((resolve) => socket.once('data', (data) => resolve(data.toString('latin1').split('\r\n', 1)[0])));
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => undefined);
  return { socket, head, ended };
}

describe('a refused upgrade told by a close frame (opt-in ?refusal=close, for browsers)', () => {
  let t: StreamsTestApp;

  beforeEach(async () => {
    t = await startStreamsApp({ authFunction: auth, timeouts: { handshakeMs: 1000 } }, { providers: [JoinCounter] });
  });
  afterEach(() => t.app.close());

  it('a client that asks gets the upgrade, then at once a close 4001 with {code, message}; no handler runs', async () => {
    const cases: Array<[string, { code: string; message: string }]> = [
      ['wrong', { code: 'unauthorized', message: 'authentication refused' }],
      ['banned', { code: 'forbidden', message: 'banned until Monday' }],
      ['broken', { code: 'auth_error', message: 'authentication failed' }],
    ];
    for (const [token, reason] of cases) {
      const c = await TestClient.connect(`${t.url}/stream/chat/lobby?token=${token}&refusal=close`);
      c.join('s1', 'chat', 'lobby');
      const closed = await c.closedWith();
      expect(closed.code).toBe(CLOSE_CODES.UPGRADE_REFUSED);
      expect(JSON.parse(closed.reason)).toEqual(reason);
      expect(c.frames).toEqual([]);
    }
    const long = await TestClient.connect(`${t.url}/?token=expired&refusal=close`);
    const { reason } = await long.closedWith();
    expect(Buffer.byteLength(reason)).toBeLessThanOrEqual(123);
    expect(JSON.parse(reason)).toMatchObject({ code: 'unauthorized', message: expect.stringMatching(/^x+…$/) });
    expect(t.app.get(JoinCounter).joins).toBe(0);
  });

  it('a client that does not ask (iii, Motia) still gets HTTP 401, and an accepted one is untouched by the parameter', async () => {
    expect(await TestClient.refusal(`${t.url}/?token=wrong`)).toBe(401);
    expect(await TestClient.refusal(`${t.url}/?token=banned`)).toBe(401);
    const ok = await TestClient.connect(`${t.url}/stream/chat/lobby?token=ok&refusal=close`);
    expect(await ok.next()).toMatchObject({ event: { type: 'sync' } });
    expect(t.app.get(JoinCounter).joins).toBe(1);
    ok.close();
  });

  it('such a socket counts toward limits.connections until it has closed; one that never answers the close is cut after timeouts.handshakeMs', async () => {
    await t.app.close();
    t = await startStreamsApp({ authFunction: auth, timeouts: { handshakeMs: 300 }, limits: { connections: 2 } });
    const port = t.listener.address().port;
    const open = await TestClient.connect(`${t.url}/?token=ok`);
    const silent = await silentUpgrade(port, '/?token=wrong&refusal=close');
    expect(await silent.head).toBe('HTTP/1.1 101 Switching Protocols');
    // The slot is held: the next upgrade is past the cap.
    expect(await TestClient.refusal(`${t.url}/?token=ok`)).toBe(503);
    await silent.ended;
    const again = await TestClient.connect(`${t.url}/?token=ok`);
    open.close();
    again.close();
  });

  it('the typed client in Node stops in `refused` with the reason, and does not try again', async () => {
    const client = new StreamsClient({ url: `${t.url}/?token=banned`, WebSocket, reconnect: { initialDelayMs: 10, maxDelayMs: 20 } });
    const attempts: unknown[] = [];
    client.on('connectFailed', (failure) => attempts.push(failure));
    await waitFor(() => client.state === 'refused', { what: 'state refused' });
    expect(client.refusal).toEqual({ status: 401, failures: 1, reason: { code: 'forbidden', message: 'banned until Monday' } });
    await new Promise((resolve) => setTimeout(resolve, 100)); // five backoffs' worth: none may start
    expect(attempts).toHaveLength(1);
    client.close();
  });
});
