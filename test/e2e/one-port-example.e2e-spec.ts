import WebSocket from 'ws';
import { StreamsClient } from 'nest-realtime-streams-client';
import { bootstrap } from '../../examples/one-port.example';
import { waitFor } from '../support/wait-for';

interface Streams {
  scores: { item: { id: string; points: number } };
}

describe('README "One port with the app" example', () => {
  it('serves HTTP and the typed client on the one port, under /streams', async () => {
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const app = await bootstrap(0);
    let typed: StreamsClient<Streams> | null = null;
    try {
      const port = (app.getHttpServer().address() as { port: number }).port;
      expect(log).toHaveBeenCalledWith(`HTTP and streams on port ${port}`);
      typed = new StreamsClient<Streams>({ url: `ws://127.0.0.1:${port}/streams`, WebSocket });
      const scores = typed.subscribeGroup('scores', 'final');
      await waitFor(() => scores.synced, { what: 'the sync' });
      const posted = await fetch(`http://127.0.0.1:${port}/games/final/score`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ team: 'red', points: 3 }),
      });
      expect(posted.status).toBe(201);
      await waitFor(() => scores.items.get('red')?.points === 3, { what: 'the pushed score' });
    } finally {
      typed?.close();
      log.mockRestore();
      await app.close();
    }
  });
});
