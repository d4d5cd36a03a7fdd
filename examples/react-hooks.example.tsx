import { createContext, useContext, useMemo, useSyncExternalStore } from 'react';
import type { ConnectionState, StreamsClient } from 'nest-realtime-streams-client';
import { groupStore } from './react-group-store.example';

export interface AppStreams {
  todos: { item: { id: string; title: string } };
}

/** The app's one client, given once at the root: `<StreamsContext.Provider value={client}>`. */
export const StreamsContext = createContext<StreamsClient<AppStreams> | null>(null);

function useClient(): StreamsClient<AppStreams> {
  const client = useContext(StreamsContext);
  if (!client) throw new Error('a streams hook needs <StreamsContext.Provider value={client}> above it');
  return client;
}

/** The items of a group, re-rendering only when the group changes; joined while a component shows it. */
export function useStreamGroup<N extends keyof AppStreams & string>(streamName: N, groupId: string) {
  const client = useClient();
  // One store per (client, stream, group): a re-render neither leaves nor joins again.
  const store = useMemo(() => groupStore(client, streamName, groupId), [client, streamName, groupId]);
  return useSyncExternalStore(store.subscribe, store.getSnapshot, () => []);
}

/** `open`, `connecting`, `reconnecting`, `refused`… for a banner. */
export function useConnectionState(): ConnectionState {
  const client = useClient();
  return useSyncExternalStore((onChange) => client.on('state', onChange), () => client.state);
}

export function TodoList() {
  const todos = useStreamGroup('todos', 'list'); // typed: { id: string; title: string }[]
  const state = useConnectionState();
  return (
    <section>
      {state !== 'open' && <p role="status">{state === 'refused' ? 'Please sign in again.' : 'Reconnecting…'}</p>}
      <ul>
        {todos.map((todo) => (
          <li key={todo.id}>{todo.title}</li>
        ))}
      </ul>
    </section>
  );
}
