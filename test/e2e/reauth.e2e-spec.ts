import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Injectable } from '@nestjs/common';
import { CLOSE_CODES, OnStreamJoin, type StreamAuthFunction, type StreamJoinResult, type StreamSubscriptionPayload } from 'nest-realtime-streams';
import { loadNodeClient, nodeDriver } from '../iii-clients/motia-client.drivers';
import { heardEvents } from '../support/presence.fixture';
import { startStreamsApp, type StreamsTestApp } from '../support/streams-app';
import { type Frame, TestClient } from '../support/ws-client';

interface Grant {
  user: string;
  groups: string[];
}

/** Token `<user>.<group,group>.<ms left>`: who, which groups of `docs`, and for how long. */
const token = (user: string, groups: string[], ms: number) => `${user}.${groups.join(',')}.${ms}`;

const tokenAuth: StreamAuthFunction<Grant> = ({ query_params, refresh }) => {
  const raw = refresh?.token ?? query_params.token?.[0];
  const [user, groups, ms] = (raw ?? '').split('.');
  if (!user || user === 'revoked') return false;
  return { context: { user, groups: groups.split(',') }, ...(ms === 'never' ? {} : { expiresAt: Date.now() + Number(ms) }) };
};

/** A `docs` group is open to the tokens that name it; checked again after every refresh. */
@Injectable()
class DocsAccess {
  readonly reauths: string[] = [];

  @OnStreamJoin({ stream_name: 'docs' })
  join(payload: StreamSubscriptionPayload<Grant>): StreamJoinResult {
    if (payload.reauth) this.reauths.push(payload.group_id);
    // Joins that ask for presence are seated as their user.
    return { unauthorized: !payload.context!.groups.includes(payload.group_id), presence: { key: payload.context!.user } };
  }
}

const isSync = (f: Frame) => f.event?.type === 'sync';

describe('live re-authentication (refresh frame, expiry, close codes)', () => {
  let t: StreamsTestApp;
  const clients: TestClient[] = [];

  const connect = async (tok: string) => {
    const client = await TestClient.connect(`${t.url}/?token=${tok}`);
    clients.push(client);
    return client;
  };

  beforeEach(async () => {
    t = await startStreamsApp({ authFunction: tokenAuth as StreamAuthFunction, limits: { refreshesPerSecond: 0.1 } }, { providers: [DocsAccess] });
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await t.app.close();
  });

  it('a refresh before expiry keeps the socket and its subscriptions with no dropped frame; without the next one it closes with 4401', async () => {
    const client = await connect(token('ann', ['a'], 700));
    client.join('s', 'docs', 'a');
    await client.next(isSync);
    let written = 0;
    let writing = true;
    const writer = (async () => {
      while (writing) {
        await t.service.set({ stream_name: 'docs', group_id: 'a', item_id: `i${written}`, data: { n: written } });
        written++;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    client.send({ type: 'refresh', data: { token: token('ann', ['a'], 1200) } });
    const refreshed = await client.next((f) => f.type === 'auth' && f.refreshed === true);
    expect(refreshed.expiresAt).toBeGreaterThan(Date.now() + 800);
    await new Promise((r) => setTimeout(r, 700)); // past the first expiry
    writing = false;
    await writer;
    expect(client.closed).toBeNull();
    const creates = await client.waitForCount(written + 3).then((frames) => frames.filter((f) => f.event?.type === 'create'));
    expect(creates.map((f) => f.id)).toEqual(Array.from({ length: written }, (_, n) => `i${n}`));
    expect(written).toBeGreaterThan(50);
    await expect(client.closedWith(3000)).resolves.toEqual({ code: CLOSE_CODES.AUTH_EXPIRED, reason: 'authentication expired' });
  });

  it('a refresh whose token no longer grants a group removes that subscription with unauthorized; the others go on', async () => {
    const access = t.app.get(DocsAccess);
    const client = await connect(token('bob', ['a', 'b'], 5000));
    client.join('sa', 'docs', 'a');
    await client.next(isSync);
    client.join('sb', 'docs', 'b');
    await client.next(isSync);
    client.send({ type: 'refresh', data: { token: token('bob', ['a'], 5000) } });
    await client.next((f) => f.type === 'auth' && f.refreshed === true);
    expect(await client.next((f) => f.event?.type === 'unauthorized')).toMatchObject({ streamName: 'docs', groupId: 'b', id: null });
    expect(access.reauths.sort()).toEqual(['a', 'b']);
    await t.service.set({ stream_name: 'docs', group_id: 'b', item_id: 'x', data: 1 });
    await t.service.set({ stream_name: 'docs', group_id: 'a', item_id: 'y', data: 2 });
    expect(await client.next((f) => f.event?.type === 'create')).toMatchObject({ groupId: 'a', id: 'y' });
  });

  it('a refresh that names another user moves the socket’s presence member to that user, on the same subscription', async () => {
    const watcher = await connect(token('wat', ['p'], 5000));
    watcher.send({ type: 'join', data: { subscriptionId: 'w', streamName: 'docs', groupId: 'p', presence: true } });
    await watcher.next(isSync);
    const client = await connect(token('ann', ['p'], 5000));
    client.send({ type: 'join', data: { subscriptionId: 'p', streamName: 'docs', groupId: 'p', presence: true } });
    await client.next(isSync);
    expect((await watcher.next((f) => f.type === 'presence')).event).toMatchObject({ type: 'join', member: { key: 'ann' } });
    client.send({ type: 'refresh', data: { token: token('zed', ['p'], 5000) } });
    // Separate frames or one coalesced `changes` frame, depending on the window they fall in.
    expect((await heardEvents(watcher, ['leave ann', 'join zed'])).sort()).toEqual(['join zed', 'leave ann']);
    await expect(t.service.presence({ stream_name: 'docs', group_id: 'p' })).resolves.toEqual(expect.arrayContaining([expect.objectContaining({ key: 'zed' })]));
  });

  it('a refused refresh closes the socket with 4403; an expiry without refresh with 4401', async () => {
    const refused = await connect(token('cat', ['a'], 5000));
    refused.send({ type: 'refresh', data: { token: token('revoked', ['a'], 5000) } });
    await expect(refused.closedWith()).resolves.toEqual({ code: CLOSE_CODES.REFRESH_REFUSED, reason: 'refresh refused' });
    const expiring = await connect(token('dan', ['a'], 200));
    await expect(expiring.closedWith()).resolves.toEqual({ code: CLOSE_CODES.AUTH_EXPIRED, reason: 'authentication expired' });
  });

  it('bounds refreshes per socket; refuses an expiry already past at upgrade (401); a socket without expiry needs none', async () => {
    const client = await connect(token('eve', ['a'], 60_000));
    for (let i = 0; i < 5; i++) client.send({ type: 'refresh', data: { token: token('eve', ['a'], 60_000) } });
    expect(await client.next()).toMatchObject({ type: 'auth', expiresAt: expect.any(Number) }); // sent on connect
    const answers = await Promise.all(Array.from({ length: 5 }, () => client.next((f) => f.type === 'auth' || f.type === 'error')));
    expect(answers.map((f) => f.error?.code ?? f.type)).toEqual(['auth', 'auth', 'auth', 'refresh_rate_limited', 'refresh_rate_limited']);

    await expect(TestClient.refusal(`${t.url}/?token=${token('old', ['a'], -1)}`)).resolves.toBe(401);

    const forever = await connect(token('fay', ['a'], 'never' as unknown as number));
    forever.send({ type: 'refresh', data: { token: 'x' } });
    expect((await forever.next((f) => f.type === 'error')).error?.code).toBe('refresh_unsupported');
  });

  // docs/reference/security.md: an expiring socket keeps what a refresh needs (its upgrade's auth input, as text), not
  // the upgrade request itself. Measured in a fresh process: a Jest worker's heap carries earlier files' state.
  it('an expiring socket costs the server little more heap than one that never expires, whatever its headers', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['-r', '@swc-node/register', 'test/support/expiring-heap.app.ts'], { cwd: join(__dirname, '../..'), timeout: 60_000 });
    const { plain, expiring, headerBytes } = JSON.parse(stdout.trim().split('\n').pop()!) as { plain: number[]; expiring: number[]; headerBytes: number };
    // What a refresh needs is the auth input, kept as one string: its text, plus the expiry's timer and budget
    // and the client's `auth` frame (~2.0 KiB in all here; 3.5 KiB when the input was kept as its maps, the
    // expiry callback closing over the upgrade's scope). The smaller reading of each: garbage only inflates.
    expect(Math.min(...expiring) - Math.min(...plain)).toBeLessThan(headerBytes + 300 + 2048);
  }, 70_000);

  it('a Motia client on an expiring authentication ignores the auth frame and works until the expiry', async () => {
    const motia = nodeDriver(await loadNodeClient(), `${t.url}/?token=${token('moe', ['a'], 60_000)}`);
    try {
      const handle = await motia.group('docs', 'a', []);
      await t.service.set({ stream_name: 'docs', group_id: 'a', item_id: 'x', data: { id: 'x' } });
      const end = Date.now() + 3000;
      while (JSON.stringify(await motia.state(handle)) !== '[{"id":"x"}]') {
        if (Date.now() > end) throw new Error(`Motia client state: ${JSON.stringify(await motia.state(handle))}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      await motia.close();
    }
  });
});
