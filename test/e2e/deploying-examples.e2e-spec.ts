import type { INestApplication } from '@nestjs/common';
import { StreamsListener, StreamsService } from 'nest-realtime-streams';
import { type ReadyEvent, StreamsClient, type WebSocketConstructor } from 'nest-realtime-streams-client';
import WebSocket from 'ws';
import { bootstrap } from '../../examples/several-instances.example';
import { bootstrapTls } from '../../examples/tls.example';
import { deletePrefix, describeRedis, REDIS_URL, uniquePrefix } from '../support/redis';
import { startTcpBalancer, type TcpBalancer } from '../support/tcp-balancer';
import { selfSignedCertificate } from '../support/tls';
import { waitFor } from '../support/wait-for';

interface Streams {
  scores: { item: { id: string; points: number } };
}

const portOf = (app: INestApplication) => app.get(StreamsListener).address().port;

async function postScore(app: INestApplication, team: string, points: number): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${portOf(app)}/games/final/score`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ team, points }),
  });
  expect(res.status).toBe(201);
}

describe('docs/guides/deploying.md', () => {
  it('TLS: HTTPS and wss:// on the app port (examples/tls.example.ts)', async () => {
    const tls = selfSignedCertificate();
    Object.assign(process.env, { TLS_KEY_FILE: tls.keyFile, TLS_CERT_FILE: tls.certFile });
    const app = await bootstrapTls(0);
    // The certificate is trusted by this client only.
    const TrustingWebSocket = class extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, { ca: tls.cert });
      }
    } as unknown as WebSocketConstructor;
    const client = new StreamsClient<Streams>({ url: `wss://127.0.0.1:${portOf(app)}/streams`, WebSocket: TrustingWebSocket });
    try {
      const scores = client.subscribeGroup('scores', 'final');
      await waitFor(() => scores.synced, { what: 'the sync over wss' });
      await app.get(StreamsService).set({ stream_name: 'scores', group_id: 'final', item_id: 'red', data: { id: 'red', points: 1 } });
      await waitFor(() => scores.items.get('red')?.points === 1, { what: 'the pushed score' });
    } finally {
      client.close();
      await app.close();
      delete process.env.TLS_KEY_FILE;
      delete process.env.TLS_CERT_FILE;
      tls.remove();
    }
  });

  describeRedis('several instances on Redis (examples/several-instances.example.ts)', () => {
    const prefix = uniquePrefix('deploying');
    let apps: INestApplication[] = [];
    let balancer: TcpBalancer;
    let client: StreamsClient<Streams>;

    beforeAll(async () => {
      Object.assign(process.env, { REDIS_URL, REDIS_PREFIX: prefix });
      apps = [await bootstrap(0), await bootstrap(0)];
      // A balancer without sticky sessions: each connection to the next instance that accepts it.
      balancer = await startTcpBalancer(apps.map(portOf));
      client = new StreamsClient<Streams>({ url: `ws://127.0.0.1:${balancer.port}/streams`, WebSocket, reconnect: { initialDelayMs: 300, jitter: 0 } });
    });

    afterAll(async () => {
      client.close();
      await balancer.close();
      await Promise.all(apps.map((app) => app.close()));
      await deletePrefix(prefix);
      delete process.env.REDIS_URL;
      delete process.env.REDIS_PREFIX;
    });

    it('a write on one instance reaches a client on the other; when its instance stops the client resumes on the other', async () => {
      const [first, second] = apps;
      const scores = client.subscribeGroup('scores', 'final');
      const ready: ReadyEvent[] = [];
      scores.on('ready', (event) => ready.push(event));
      await waitFor(() => scores.synced, { what: 'the sync' });

      // The client is on the first instance (the balancer's first pick); the write goes to the second.
      await postScore(second, 'red', 3);
      await waitFor(() => scores.items.get('red')?.points === 3, { what: 'the score written on the other instance' });

      // Its instance goes away (SIGTERM does the same): a 1001, then the reconnect lands on the other one,
      // which resumes from the client's position, replaying what it missed meanwhile.
      await first.close();
      await postScore(second, 'blue', 5);
      await waitFor(() => ready.length === 2, { what: 'the resume' });
      expect(ready[1]).toMatchObject({ type: 'resumed' });
      await waitFor(() => scores.items.get('blue')?.points === 5, { what: 'the score written while away' });
      expect(scores.values).toEqual([
        { id: 'red', points: 3 },
        { id: 'blue', points: 5 },
      ]);
    });
  });
});
