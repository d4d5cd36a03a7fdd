import { StreamsClient } from 'nest-realtime-streams-client';
import WebSocket from 'ws';
import { groupStore } from '../../examples/react-group-store.example';
import { startStreamsApp, type StreamsTestApp } from '../support/streams-app';
import { TodosMembership } from '../support/todos-membership.fixture';
import { waitFor } from '../support/wait-for';

interface Todo {
  id: string;
  title: string;
}
interface Streams {
  todos: { item: Todo };
}

// docs/guides/react.md: the store behind `useStreamGroup`, driven as React's useSyncExternalStore drives it
// (subscribe, getSnapshot on every render, unsubscribe on unmount), without React; test/browser/react-hooks.e2e-spec.ts
// renders the hooks over it with React.
describe('examples/react-group-store.example.ts', () => {
  let t: StreamsTestApp;
  let client: StreamsClient<Streams>;

  beforeAll(async () => {
    t = await startStreamsApp({}, { providers: [TodosMembership] });
    client = new StreamsClient<Streams>({ url: `${t.url}/`, WebSocket });
  });
  afterAll(async () => {
    client.close();
    await t.app.close();
  });

  const add = (id: string) => t.service.set({ stream_name: 'todos', group_id: 'list', item_id: id, data: { id, title: `todo ${id}` } });

  it('joins once for every component, hands out one array per change, and leaves after the last one', async () => {
    const membership = t.app.get(TodosMembership);
    const store = groupStore(client, 'todos', 'list');
    const empty = store.getSnapshot();
    expect(empty).toEqual([]);

    // Two components mount.
    const renders = [0, 0];
    const unmountFirst = store.subscribe(() => renders[0]++);
    const unmountSecond = store.subscribe(() => renders[1]++);
    await waitFor(() => renders[0] > 0, { what: 'the sync' });
    expect(membership.joins).toBe(1);
    expect(store.getSnapshot()).toBe(store.getSnapshot());

    await add('1');
    await waitFor(() => store.getSnapshot().length === 1, { what: 'the create' });
    const afterCreate = store.getSnapshot();
    expect(afterCreate).toEqual([{ id: '1', title: 'todo 1' }]);
    expect(store.getSnapshot()).toBe(afterCreate); // no change, same array: React does not re-render
    expect(renders[1]).toBe(renders[0]);

    // One unmounts: the other still gets changes on the same subscription.
    unmountFirst();
    const before = renders[0];
    await add('2');
    await waitFor(() => store.getSnapshot().length === 2, { what: 'the second create' });
    expect(renders[0]).toBe(before);
    expect(afterCreate).toHaveLength(1); // a snapshot handed out never changes

    // The last one unmounts: the group is left.
    unmountSecond();
    await waitFor(() => membership.leaves === 1, { what: 'the leave' });
    expect(store.getSnapshot()).toEqual([]);
    expect(membership.joins).toBe(1);
  });
});
