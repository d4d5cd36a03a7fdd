import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { StreamsListener, StreamsModule } from 'nest-realtime-streams';
import { ChatModule, ChatNotifier } from '../../examples/chat-room.example';
import { TestClient } from '../support/ws-client';


describe('README "Using the module" example', () => {
  describe('running it', () => {
    let app: INestApplication;
    let http: string;
    let ws: string;

    beforeAll(async () => {
      // The example listens on 3112; tests move it to a free port and keep everything else as written.
      const moduleRef = await Test.createTestingModule({ imports: [ChatModule] })
        .overrideModule(StreamsModule.forRoot({ port: 3112 }))
        .useModule(StreamsModule.forRoot({ port: 0, host: '127.0.0.1' }))
        .compile();
      app = moduleRef.createNestApplication({ logger: false });
      await app.listen(0, '127.0.0.1');
      http = (await app.getUrl()).replace('[::1]', '127.0.0.1');
      ws = `ws://127.0.0.1:${app.get(StreamsListener).address().port}`;
    });
    afterAll(() => app.close());

    it('a POST through the controller reaches a subscribed client and the @OnStreamChange provider', async () => {
      const client = await TestClient.connect(`${ws}/stream/chat/lobby`);
      expect(await client.next()).toMatchObject({ event: { type: 'sync', data: [] } });
      const res = await fetch(`${http}/rooms/lobby/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ author: 'ann', text: 'hello' }),
      });
      expect(res.status).toBe(201);
      const message = (await res.json()) as { id: string };
      expect(await client.next()).toMatchObject({ streamName: 'chat', groupId: 'lobby', id: message.id, event: { type: 'create', data: { author: 'ann', text: 'hello' } } });
      const list = (await (await fetch(`${http}/rooms/lobby/messages`)).json()) as unknown[];
      expect(list).toEqual([message]);
      const notifier = app.get(ChatNotifier);
      const end = Date.now() + 2000;
      while (notifier.seen.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
      expect(notifier.seen).toEqual([`create lobby/${message.id}`]);
      client.close();
    });
  });
});
