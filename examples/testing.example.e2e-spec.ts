import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { StreamsListener, StreamsModule, StreamsService } from 'nest-realtime-streams';
import { StreamsClient } from 'nest-realtime-streams-client';
import WebSocket from 'ws';
import { ChatModule, ChatNotifier } from './chat-room.example';

interface ChatMessage {
  id: string;
  author: string;
  text: string;
}

interface AppStreams {
  chat: { item: ChatMessage };
}

/** Waits until `check()` holds, polling briefly; fails with `what` after `ms`. */
async function until(check: () => boolean, what: string, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('ChatModule', () => {
  let app: INestApplication;
  let http: string;
  let client: StreamsClient<AppStreams>;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [ChatModule] })
      // Port 0: the streams listener takes a free port, so test files can run side by side.
      .overrideModule(StreamsModule.forRoot({ port: 3112 }))
      .useModule(StreamsModule.forRoot({ port: 0, host: '127.0.0.1' }))
      .compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    http = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    const { port } = app.get(StreamsListener).address();
    client = new StreamsClient<AppStreams>({ url: `ws://127.0.0.1:${port}/`, WebSocket });
  });

  afterAll(async () => {
    client.close();
    await app.close(); // closes every socket with 1001 and stops the listener
  });

  it('pushes a posted message to a subscriber of its room', async () => {
    const lobby = client.subscribeGroup('chat', 'lobby');
    await until(() => lobby.synced, 'the sync');

    await fetch(`${http}/rooms/lobby/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ author: 'ann', text: 'hello' }),
    });

    await until(() => lobby.values.length === 1, 'the message');
    expect(lobby.values[0]).toMatchObject({ author: 'ann', text: 'hello' });
    // Change handlers run after the write, without making it wait: wait for them too.
    await until(() => app.get(ChatNotifier).seen.length === 1, 'the change handler');
    lobby.close();
  });

  it('server code writes through StreamsService; the mirror follows', async () => {
    const room = client.subscribeGroup('chat', 'ops');
    await until(() => room.synced, 'the sync');
    const streams = app.get(StreamsService);
    await streams.set({ stream_name: 'chat', group_id: 'ops', item_id: 'm1', data: { id: 'm1', author: 'bot', text: 'deploy done' } });
    await until(() => room.items.has('m1'), 'the create');
    await streams.delete({ stream_name: 'chat', group_id: 'ops', item_id: 'm1' });
    await until(() => !room.items.has('m1'), 'the delete');
    room.close();
  });
});
