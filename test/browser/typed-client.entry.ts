// Bundled by esbuild into the page: the typed client (its package entry, libs/streams-client/src/index.ts)
// with the browser's own WebSocket, and a record of what it reports.
import { type ConnectFailure, type ConnectionState, StreamsClient } from 'nest-realtime-streams-client';

export interface TypedClientProbe {
  states: ConnectionState[];
  failures: ConnectFailure[];
  refusal: () => ConnectFailure | null;
  close: () => void;
}

declare global {
  var typed: TypedClientProbe | undefined;
  var startTyped: (url: string) => void;
}

globalThis.startTyped = (url) => {
  const client = new StreamsClient({ url, reconnect: { initialDelayMs: 50, maxDelayMs: 100 } });
  const probe: TypedClientProbe = { states: [client.state], failures: [], refusal: () => client.refusal, close: () => client.close() };
  client.on('state', (state) => probe.states.push(state));
  client.on('connectFailed', (failure) => probe.failures.push(failure));
  globalThis.typed = probe;
};
