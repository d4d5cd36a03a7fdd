import WebSocket from 'ws';
import { MemoryMutationQueueStore, MutationRejectedError, StreamsClient, type WebSocketConstructor } from 'nest-realtime-streams-client';
import { StreamsMetrics } from 'nest-realtime-streams';
import { startOfflineProxy, type OfflineProxy } from '../support/offline-proxy';
import { describeRedis, ThrowawayRedis } from '../support/redis';
import { startStreamsApp, type StreamsTestApp } from '../support/streams-app';
import { roleAuth, TodoMutations, TODOS } from '../support/todo-mutations.fixture';
import { waitFor } from '../support/wait-for';

interface Todo {
  id: string;
  title: string;
  done: boolean;
}
interface Streams {
  todos: { item: Todo };
}

const todo = (itemId: string) => ({ streamName: 'todos', groupId: 'list', itemId });
const create = (id: string, title: string) => ({ ...todo(id), ops: [{ type: 'set' as const, path: '', value: { id, title, done: false } }] });
const toggle = (id: string, done: boolean) => ({ ...todo(id), ops: [{ type: 'set' as const, path: 'done', value: done }] });

describe('typed client mutations against a real server (memory adapter)', () => {
  let t: StreamsTestApp;
  let proxy: OfflineProxy;
  let clients: StreamsClient<Streams>[];

  const client = (options: { clientId?: string; store?: MemoryMutationQueueStore } = {}) => {
    const c = new StreamsClient<Streams>({
      url: `ws://127.0.0.1:${proxy.port}/?role=user`,
      WebSocket: WebSocket as unknown as WebSocketConstructor,
      reconnect: { initialDelayMs: 10, maxDelayMs: 50 },
      mutations: options,
    });
    clients.push(c);
    return c;
  };
  const serverList = async () => (await t.service.list<Todo>(TODOS)).map((v) => ({ ...v }));

  beforeEach(async () => {
    clients = [];
    t = await startStreamsApp({ authFunction: roleAuth, mutations: { perSecond: 100_000 } }, { providers: [TodoMutations] });
    proxy = await startOfflineProxy(t.listener.address().port);
  });

  afterEach(async () => {
    for (const c of clients) c.close();
    await proxy.close();
    await t.app.close();
  });

  it('shows the optimistic change at once, marks the item pending, and settles on the server state', async () => {
    const c = client();
    const list = c.subscribeGroup('todos', 'list');
    await waitFor(() => list.synced);
    const seen: number[] = [];
    c.on('mutations', ({ pending }) => seen.push(pending));
    const done = c.mutate('todo.add', { id: 't1', title: 'milk' }, { optimistic: create('t1', 'milk') });
    // Before any round trip: the view has it, the server's mirror does not.
    expect(list.items.get('t1')).toEqual({ id: 't1', title: 'milk', done: false });
    expect(list.confirmed.has('t1')).toBe(false);
    expect(list.isPending('t1')).toBe(true);
    await expect(done).resolves.toMatchObject({ mutationId: 1, result: { created: true } });
    await waitFor(() => c.pendingMutations === 0);
    expect(list.isPending('t1')).toBe(false);
    expect([...list.items.values()]).toEqual(await serverList());
    expect(seen[0]).toBe(1);
    expect(seen.at(-1)).toBe(0);
  });

  it('rejected rolls back: a validation failure removes the optimistic item and names the fields', async () => {
    const c = client();
    const list = c.subscribeGroup('todos', 'list');
    await waitFor(() => list.synced);
    const changes: string[] = [];
    list.on('change', (change) => changes.push(change.type));
    const done = c.mutate('todo.add', { id: 't1', title: '' }, { optimistic: create('t1', '') });
    expect(list.items.has('t1')).toBe(true);
    const error = await done.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MutationRejectedError);
    expect((error as MutationRejectedError).code).toBe('invalid_args');
    expect((error as MutationRejectedError).fields).toEqual(['title']);
    expect(list.items.has('t1')).toBe(false);
    expect(c.pendingMutations).toBe(0);
    expect(changes).toEqual(['optimistic', 'optimistic']);
  });

  it('1,000 mutations queued offline drain in order after reconnect; the mirror ends equal to the server', async () => {
    const c = client();
    const list = c.subscribeGroup('todos', 'list');
    await waitFor(() => list.synced);
    proxy.offline();
    await waitFor(() => c.state !== 'open');
    const results: Array<Promise<unknown>> = [];
    for (let i = 1; i <= 1000; i++) results.push(c.mutate('todo.add', { id: `t${i}`, title: `n${i}` }, { optimistic: create(`t${i}`, `n${i}`) }));
    expect(list.items.size).toBe(1000);
    expect(c.pendingMutations).toBe(1000);
    proxy.online();
    await Promise.all(results);
    await waitFor(() => c.pendingMutations === 0, { ms: 20_000, what: 'the queue to drain' });
    const server = await serverList();
    expect(server.map((v) => v.id)).toEqual(Array.from({ length: 1000 }, (_, i) => `t${i + 1}`));
    expect([...list.items.values()]).toEqual(server);
    const applied = t.app.get(TodoMutations).applied;
    expect([...applied.values()].every((n) => n === 1)).toBe(true);
    expect(applied.size).toBe(1000);
  });

  it('item deleted by another client while a mutation on it is pending: the view drops it, the mutation is acknowledged, nothing is recreated', async () => {
    await t.service.set({ ...TODOS, item_id: 't1', data: { id: 't1', title: 'milk', done: false } });
    const c = client();
    const list = c.subscribeGroup('todos', 'list');
    await waitFor(() => list.items.has('t1'));
    proxy.offline();
    await waitFor(() => c.state !== 'open');
    const pending = c.mutate('todo.toggle', { id: 't1', done: true }, { optimistic: toggle('t1', true) });
    expect(list.items.get('t1')).toEqual({ id: 't1', title: 'milk', done: true });
    // Someone else deletes it meanwhile.
    const other = client();
    proxy.online();
    await other.mutate('todo.remove', { id: 't1' });
    await pending;
    await waitFor(() => c.pendingMutations === 0 && !list.items.has('t1'));
    expect(await serverList()).toEqual([]);
    expect(list.isPending('t1')).toBe(false);
  });

  it('a pending queue survives a "reload": a new client on the same store and id sends it, each applied once', async () => {
    const store = new MemoryMutationQueueStore();
    const first = client({ clientId: 'tab-1', store });
    await waitFor(() => first.state === 'open');
    proxy.offline();
    await waitFor(() => first.state !== 'open');
    const lost = [1, 2, 3].map((i) => first.mutate('todo.add', { id: `t${i}`, title: `n${i}` }).catch((e: unknown) => e));
    await waitFor(async () => (await store.load())?.pending.length === 3);
    first.close();
    expect((await Promise.all(lost)).every((e) => e instanceof Error)).toBe(true);
    proxy.online();
    const second = client({ clientId: 'tab-1', store });
    const list = second.subscribeGroup('todos', 'list');
    await waitFor(() => list.items.size === 3 && second.pendingMutations === 0);
    // The next mutation continues the sequence (4), so the ledger applies it.
    await expect(second.mutate('todo.add', { id: 't4', title: 'n4' })).resolves.toMatchObject({ mutationId: 4 });
    expect([...t.app.get(TodoMutations).applied.entries()]).toEqual([
      ['tab-1#1', 1],
      ['tab-1#2', 1],
      ['tab-1#3', 1],
      ['tab-1#4', 1],
    ]);
  });
});

describeRedis(
  'typed client mutations while Redis is down',
  () => {
    let redis: ThrowawayRedis;
    let t: StreamsTestApp;
    let client: StreamsClient<Streams> | null = null;

    beforeEach(async () => {
      redis = await ThrowawayRedis.start({ persistent: true });
      t = await startStreamsApp({ adapter: { type: 'redis', url: redis.url, keyPrefix: 'mut' }, authFunction: roleAuth }, { providers: [TodoMutations] });
    });

    afterEach(async () => {
      client?.close();
      await t.app.close();
      await redis.dispose();
    });

    it('answers unavailable (nothing applied or recorded), the client keeps it pending and re-sends; applied once when Redis is back', async () => {
      client = new StreamsClient<Streams>({ url: `${t.url}/?role=user`, WebSocket: WebSocket as unknown as WebSocketConstructor, mutations: { clientId: 'c1' } });
      const refusals: string[] = [];
      client.on('mutation', (outcome) => refusals.push(`${outcome.mutationId}:${outcome.status}`));
      await expect(client.mutate('todo.add', { id: 't1', title: 'milk' })).resolves.toMatchObject({ mutationId: 1 });

      await redis.kill();
      const second = client.mutate('todo.toggle', { id: 't1', done: true });
      // Answered `unavailable` (retry) at least once, while the client still counts it pending.
      await waitFor(async () => (await t.app.get(StreamsMetrics).text()).includes('streams_mutations_total{outcome="unavailable"}'), { what: 'an unavailable answer' });
      expect(client.pendingMutations).toBe(1);
      await redis.restart();
      await expect(second).resolves.toMatchObject({ mutationId: 2 });
      expect(refusals).toEqual(['1:ok', '2:ok']);
      await expect(t.service.get({ ...TODOS, item_id: 't1' })).resolves.toEqual({ id: 't1', title: 'milk', done: true });
      expect([...t.app.get(TodoMutations).applied.entries()]).toEqual([
        ['c1#1', 1],
        ['c1#2', 1],
      ]);
    }, 30_000);
  },
  { ownServer: true },
);
