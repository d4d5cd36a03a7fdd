import { StreamsClient, type WebSocketConstructor } from 'nest-realtime-streams-client';

interface ChatMessage {
  id: string;
  author: string;
  text: string;
}

/** The app's streams, declared once: stream name → item type and custom events (`StreamsService.send`). */
export interface AppStreams {
  chat: { item: ChatMessage; events: { typing: { author: string } } };
}

/**
 * Prints a chat room live, e.g. `watchRoom('ws://localhost:3112/', 'lobby')`. Browsers and Node 22+ have a
 * global WebSocket; in Node 20 pass the `ws` package as the third argument.
 */
export function watchRoom(url: string, room: string, WebSocket?: WebSocketConstructor): StreamsClient<AppStreams> {
  const client = new StreamsClient<AppStreams>({ url, WebSocket });
  const messages = client.subscribeGroup('chat', room);
  messages.on('change', (change) => {
    // `messages.values` is the whole room, in server order, already updated.
    if (change.type === 'create') console.log(`${change.value.author}: ${change.value.text}`);
  });
  messages.onEvent('typing', ({ author }) => console.log(`${author} is typing…`));
  client.on('state', (state) => {
    if (state === 'refused') console.log(`refused: ${client.refusal?.reason?.message ?? 'sign in again'}`);
  });
  return client;
}
