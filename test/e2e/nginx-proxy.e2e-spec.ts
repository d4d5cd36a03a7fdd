import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StreamsClient } from 'nest-realtime-streams-client';
import WebSocket from 'ws';
import { bootstrap } from '../../examples/one-port.example';
import { describeWithNginx, type RunningNginx, startNginx } from '../support/nginx';
import { waitFor } from '../support/wait-for';

interface Streams {
  scores: { item: { id: string; points: number } };
}

// docs/guides/deploying.md "Behind a proxy": the nginx location exactly as shown (examples/nginx.example.conf),
// in front of the one-port example app; only the upstream address `app:3000` is replaced by the test app's.
describeWithNginx('the deploying guide’s nginx location, in a real nginx', () => {
  it('passes the upgrade: the typed client syncs and receives a write through nginx', async () => {
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const app = await bootstrap(0);
    let nginx: RunningNginx | null = null;
    let typed: StreamsClient<Streams> | null = null;
    try {
      const port = (app.getHttpServer().address() as { port: number }).port;
      const location = readFileSync(join(__dirname, '../../examples/nginx.example.conf'), 'utf8');
      expect(location).toContain('proxy_pass http://app:3000;');
      nginx = await startNginx(location.replace('http://app:3000', `http://127.0.0.1:${port}`));

      typed = new StreamsClient<Streams>({ url: `ws://127.0.0.1:${nginx.port}/streams`, WebSocket });
      const scores = typed.subscribeGroup('scores', 'final');
      await waitFor(() => scores.synced, { what: 'the sync through nginx' });
      await fetch(`http://127.0.0.1:${port}/games/final/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ team: 'red', points: 3 }) });
      await waitFor(() => scores.items.get('red')?.points === 3, { what: 'the pushed score through nginx' });
      expect(typed.state).toBe('open');
    } finally {
      typed?.close();
      await nginx?.stop();
      log.mockRestore();
      await app.close();
    }
  });
});
