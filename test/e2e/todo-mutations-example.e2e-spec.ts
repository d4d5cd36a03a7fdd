import WebSocket from 'ws';
import { MutationRejectedError, StreamsClient, type WebSocketConstructor } from 'nest-realtime-streams-client';
import { addTodo, TodoMutations, type TodoStreams, toggleTodo, type User } from '../../examples/todo-mutations.example';
import { startStreamsApp, type StreamsTestApp } from '../support/streams-app';
import { waitFor } from '../support/wait-for';

const USERS: Record<string, User> = { alice: { name: 'alice', lists: ['home'] }, bob: { name: 'bob', lists: [] } };

describe('guide "Writes from the client": the to-do list example', () => {
  let t: StreamsTestApp;
  const clients: StreamsClient<TodoStreams>[] = [];
  const connect = (user: string) => {
    const client = new StreamsClient<TodoStreams>({ url: `${t.url}/?user=${user}`, WebSocket: WebSocket as unknown as WebSocketConstructor });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    t = await startStreamsApp({ authFunction: ({ query_params }) => ({ context: USERS[query_params.user?.[0] ?? ''] ?? { name: '?', lists: [] } }) }, { providers: [TodoMutations] });
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await t.app.close();
  });

  it('a member adds and toggles with instant updates; a non-member is refused and rolled back; invalid args name the fields', async () => {
    const alice = connect('alice');
    const list = alice.subscribeGroup('todos', 'home');
    await waitFor(() => list.synced);
    const added = addTodo(alice, 'home', 'milk', 'Buy milk');
    expect(list.values).toEqual([{ id: 'milk', title: 'Buy milk', done: false }]);
    expect(list.isPending('milk')).toBe(true);
    await added;
    const toggled = toggleTodo(alice, 'home', 'milk', true);
    expect(list.items.get('milk')?.done).toBe(true);
    await toggled;
    await waitFor(() => alice.pendingMutations === 0);
    await expect(t.service.get({ stream_name: 'todos', group_id: 'home', item_id: 'milk' })).resolves.toEqual({ id: 'milk', title: 'Buy milk', done: true });

    const bob = connect('bob');
    const bobs = bob.subscribeGroup('todos', 'home');
    await waitFor(() => bobs.items.size === 1);
    const refused = toggleTodo(bob, 'home', 'milk', false);
    expect(bobs.items.get('milk')?.done).toBe(false);
    await expect(refused).rejects.toMatchObject({ code: 'forbidden' });
    expect(bobs.items.get('milk')?.done).toBe(true);

    const invalid = await addTodo(alice, 'home', '', 'x'.repeat(300)).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(MutationRejectedError);
    expect((invalid as MutationRejectedError).fields.sort()).toEqual(['id', 'title']);
    await expect(toggleTodo(alice, 'home', 'gone', true)).rejects.toMatchObject({ code: 'conflict' });
    expect(list.items.has('gone')).toBe(false);
  });
});
