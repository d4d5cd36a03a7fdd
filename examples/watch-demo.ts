/**
 * A Node client of the running demo: prints the lobby chat, typing indicators and the CPU metric live.
 *
 *   npm start                                              # in one terminal
 *   node -r @swc-node/register examples/watch-demo.ts  # in another (STREAMS_URL=ws://host:port/ to point elsewhere)
 */
import WebSocket from 'ws';
import { StreamsClient } from 'nest-realtime-streams-client';
import type { DemoStreams } from '../src/shared/demo-streams';

// Node 20 has no global WebSocket: hand the client the `ws` package (browsers and Node 22+ need nothing).
const client = new StreamsClient<DemoStreams>({ url: process.env.STREAMS_URL ?? 'ws://localhost:3112/', WebSocket });
client.on('state', (state) => console.log(`[connection: ${state}]`));

const lobby = client.subscribeGroup('chat-messages', 'lobby');
lobby.on('change', (change) => {
  if (change.type === 'sync') console.log(`#lobby: ${lobby.items.size} messages so far`);
  if (change.type === 'create') console.log(`${change.value.author}: ${change.value.text}`);
});
lobby.onEvent('typing', ({ author }) => console.log(`${author} is typing…`));

const metrics = client.subscribeItem('dashboard-metrics', 'server', 'current');
metrics.on('change', ({ value }) => {
  if (value?.id === 'current' && value.ticks % 10 === 0) console.log(`cpu ${value.cpuPercent}%, heap ${value.heapUsedMb} MB`);
});

process.once('SIGINT', () => client.close());
