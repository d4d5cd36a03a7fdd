// What the bundled pages (*.entry.ts[x], compiled apart with the DOM library) put on `globalThis` for the
// specs to call through page.evaluate.
import type { ConnectFailure, ConnectionState } from 'nest-realtime-streams-client';

declare global {
  /** typed-client.entry.ts: a record of what the typed client reports. */
  var typed: TypedClientProbe | undefined;
  var startTyped: (url: string) => void;
  /** react-hooks.entry.tsx: mounts the guide's TodoList on a new client, and takes it down. */
  var mountTodos: (url: string) => void;
  var unmountTodos: () => void;
  /** mutations.entry.ts: a to-do list page whose client keeps its mutation queue in IndexedDB. */
  var todoPage: TodoPageProbe | undefined;
  var startTodoPage: (url: string, clientId: string) => void;
}

export interface TodoPageProbe {
  state: () => ConnectionState;
  values: () => Array<{ id: string; title: string; done: boolean }>;
  pending: () => number;
  /** The to-dos a pending mutation touches (what a UI marks "saving…"). */
  savingIds: () => string[];
  /** `<mutationId>:<status>` of each final answer, restored mutations included. */
  outcomes: string[];
  mutate: (name: string, args: unknown, optimistic: unknown[]) => void;
}

export interface TypedClientProbe {
  states: ConnectionState[];
  failures: ConnectFailure[];
  refusal: () => ConnectFailure | null;
  close: () => void;
}
