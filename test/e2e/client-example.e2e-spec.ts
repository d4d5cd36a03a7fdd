import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { StreamsListener, StreamsMetrics, StreamsModule, StreamsService } from 'nest-realtime-streams';
import WebSocket from 'ws';
import { ChatModule } from '../../examples/chat-room.example';
import { watchRoom } from '../../examples/client.example';
import { metricValue } from '../support/metrics-text';
import { waitFor } from '../support/wait-for';

// The package READMEs' pair: the chat room server (libs/streams/README.md) and the client that watches it
// (libs/streams-client/README.md).
describe('examples/client.example.ts against examples/chat-room.example.ts', () => {
  let app: INestApplication;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [ChatModule] })
      .overrideModule(StreamsModule.forRoot({ port: 3112 }))
      .useModule(StreamsModule.forRoot({ port: 0, host: '127.0.0.1' }))
      .compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
  });
  afterAll(() => app.close());

  it('prints each new message and typing event of the room', async () => {
    const lines: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    const client = watchRoom(`ws://127.0.0.1:${app.get(StreamsListener).address().port}/`, 'lobby', WebSocket);
    try {
      // The example keeps its subscription to itself: wait until the server holds it.
      const metrics = app.get(StreamsMetrics);
      await waitFor(async () => metricValue(await metrics.text(), 'streams_subscriptions') === 1, { what: 'the join' });
      const streams = app.get(StreamsService);
      const http = (await app.getUrl()).replace('[::1]', '127.0.0.1');
      await fetch(`${http}/rooms/lobby/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ author: 'ann', text: 'hello' }) });
      await streams.send({ stream_name: 'chat', group_id: 'lobby', type: 'typing', data: { author: 'bob' } });
      await waitFor(() => lines.length === 2, { what: 'two lines' });
      expect(lines).toEqual(['ann: hello', 'bob is typing…']);
    } finally {
      client.close();
      log.mockRestore();
    }
  });
});
