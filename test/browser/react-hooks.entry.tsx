// Bundled by esbuild into the page: React, the typed client (its package entry) and the guide's hooks
// (examples/react-hooks.example.tsx), mounted and unmounted by the test.
import { StreamsClient } from 'nest-realtime-streams-client';
import { createRoot } from 'react-dom/client';
import { type AppStreams, StreamsContext, TodoList } from '../../examples/react-hooks.example';

globalThis.mountTodos = (url) => {
  const client = new StreamsClient<AppStreams>({ url, reconnect: { initialDelayMs: 50, maxDelayMs: 100 } });
  const root = createRoot(document.body.appendChild(document.createElement('div')));
  root.render(
    <StreamsContext.Provider value={client}>
      <TodoList />
    </StreamsContext.Provider>,
  );
  globalThis.unmountTodos = () => {
    root.unmount();
    client.close();
  };
};
