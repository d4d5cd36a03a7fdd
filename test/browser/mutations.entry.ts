// Bundled by esbuild into the page: the typed client with its mutation queue in IndexedDB (survives a reload),
// subscribed to the shared to-do list, and what the spec reads and does through page.evaluate.
import { IndexedDbMutationQueueStore, type OptimisticChange, StreamsClient } from 'nest-realtime-streams-client';
import type { TodoPageProbe } from './page-globals';

interface Todo {
  id: string;
  title: string;
  done: boolean;
}

globalThis.startTodoPage = (url, clientId) => {
  const client = new StreamsClient<{ todos: { item: Todo } }>({
    url,
    reconnect: { initialDelayMs: 20, maxDelayMs: 100 },
    mutations: { clientId, store: new IndexedDbMutationQueueStore(`todos-${clientId}`) },
  });
  const list = client.subscribeGroup('todos', 'list');
  const probe: TodoPageProbe = {
    state: () => client.state,
    values: () => list.values,
    pending: () => client.pendingMutations,
    savingIds: () => list.values.filter((todo) => list.isPending(todo.id)).map((todo) => todo.id),
    outcomes: [],
    mutate: (name, args, optimistic) => {
      void client.mutate(name, args, { optimistic: optimistic as OptimisticChange[] }).catch(() => undefined);
    },
  };
  client.on('mutation', (outcome) => probe.outcomes.push(`${outcome.mutationId}:${outcome.status}`));
  globalThis.todoPage = probe;
};
