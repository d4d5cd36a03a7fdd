// Bundled by esbuild into the page: the typed client (its package entry, libs/streams-client/src/index.ts)
// with the browser's own WebSocket, and a record of what it reports.
import { StreamsClient } from 'nest-realtime-streams-client';
import type { TypedClientProbe } from './page-globals';

globalThis.startTyped = (url) => {
  const client = new StreamsClient({ url, reconnect: { initialDelayMs: 50, maxDelayMs: 100 } });
  const probe: TypedClientProbe = { states: [client.state], failures: [], refusal: () => client.refusal, close: () => client.close() };
  client.on('state', (state) => probe.states.push(state));
  client.on('connectFailed', (failure) => probe.failures.push(failure));
  globalThis.typed = probe;
};
