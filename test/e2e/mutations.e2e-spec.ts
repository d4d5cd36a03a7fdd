import { type MutationFrame, StreamsMetrics, type StreamsModuleOptions } from 'nest-realtime-streams';
import { onEveryAdapter } from '../support/every-adapter';
import { deletePrefix, describeRedis, REDIS_URL, uniquePrefix } from '../support/redis';
import { startStreamsApp, type StreamsTestApp } from '../support/streams-app';
import { roleAuth, TodoMutations, TODOS } from '../support/todo-mutations.fixture';
import { waitFor } from '../support/wait-for';
import { TestClient } from '../support/ws-client';

/** The `mutation` answers a socket got so far. */
function answers(client: TestClient): MutationFrame[] {
  return client.frames.filter((f) => f.type === 'mutation') as unknown as MutationFrame[];
}

/** Sends `mutate` and resolves with its answer (the first for that id on this socket after the send). */
async function mutate(client: TestClient, clientId: string, mutationId: number, name: string, args?: unknown): Promise<MutationFrame> {
  const before = answers(client).length;
  client.send({ type: 'mutate', clientId, mutationId, name, args });
  let answer: MutationFrame | undefined;
  await waitFor(() => (answer = answers(client).slice(before).find((a) => a.mutationId === mutationId)) !== undefined, { what: `the answer to mutation ${mutationId}` });
  return answer!;
}

function appliedTimes(apps: StreamsTestApp[], clientId: string, mutationId: number): number {
  return apps.reduce((sum, t) => sum + (t.app.get(TodoMutations).applied.get(`${clientId}#${mutationId}`) ?? 0), 0);
}

onEveryAdapter('mutations', (adapter, options, cleanup) => {
  describe(`client mutations over a real socket: ${adapter}`, () => {
    let t: StreamsTestApp;
    let sockets: TestClient[];
    let appOptions: StreamsModuleOptions;
    const connect = async (role = 'user') => {
      const socket = await TestClient.connect(`${t.url}/?role=${role}`);
      sockets.push(socket);
      return socket;
    };

    beforeEach(async () => {
      sockets = [];
      appOptions = { ...options(), authFunction: roleAuth, mutations: { ledgerTtlMs: 60_000 } };
      t = await startStreamsApp(appOptions, { providers: [TodoMutations] });
    });

    afterEach(async () => {
      for (const socket of sockets) socket.socket.close();
      await t.app.close();
      await cleanup();
    });

    it('applies a mutation through its DTO, answers ok with the position of its write, and the subscribers get the write', async () => {
      const watcher = await connect();
      watcher.join('s1', 'todos', 'list');
      await watcher.next((f) => f.event?.type === 'sync');
      const client = await connect();
      const answer = await mutate(client, 'c1', 1, 'todo.add', { id: 't1', title: 'milk' });
      expect(answer).toMatchObject({ type: 'mutation', mutationId: 1, status: 'ok', result: { created: true } });
      const created = await watcher.next((f) => f.event?.type === 'create');
      expect(answer.position).toBe(created.position);
      expect(answer.writes).toEqual([{ streamName: 'todos', groupId: 'list', position: created.position }]);
      await expect(t.service.get({ ...TODOS, item_id: 't1' })).resolves.toEqual({ id: 't1', title: 'milk', done: false });
      // The watcher never mutated: it got stream frames only (old clients see nothing new).
      expect(watcher.frames.map((f) => f.type)).toEqual(['stream', 'stream']);
    });

    it('ack lost then re-sent: the re-send (on a new socket) is answered from the ledger, not applied again', async () => {
      const first = await connect();
      first.send({ type: 'mutate', clientId: 'c1', mutationId: 1, name: 'todo.add', args: { id: 't1', title: 'milk' } });
      await waitFor(() => appliedTimes([t], 'c1', 1) === 1);
      first.socket.terminate(); // the answer is lost with the socket
      await t.service.set({ ...TODOS, item_id: 't1', data: { id: 't1', title: 'changed since', done: true } });
      const again = await mutate(await connect(), 'c1', 1, 'todo.add', { id: 't1', title: 'milk' });
      expect(again).toMatchObject({ mutationId: 1, status: 'ok', duplicate: true, result: { created: true } });
      expect(appliedTimes([t], 'c1', 1)).toBe(1);
      await expect(t.service.get({ ...TODOS, item_id: 't1' })).resolves.toEqual({ id: 't1', title: 'changed since', done: true });
    });

    it(`a restart ${adapter === 'memory' ? 'forgets the ledger (in process): a re-send applies again' : 'keeps the ledger: a re-send after it is answered, not applied again, and the sequence goes on'}`, async () => {
      const first = await mutate(await connect(), 'c1', 1, 'todo.add', { id: 't1', title: 'milk' });
      const refused = await mutate(await connect(), 'c1', 2, 'todo.add', { id: 't1', title: '' });
      expect([first.status, refused.error?.code]).toEqual(['ok', 'invalid_args']);
      for (const socket of sockets.splice(0)) socket.socket.close();
      await t.app.close();
      t = await startStreamsApp(appOptions, { providers: [TodoMutations] });
      const client = await connect();
      const again = await mutate(client, 'c1', 1, 'todo.add', { id: 't1', title: 'milk' });
      if (adapter === 'memory') {
        expect(appliedTimes([t], 'c1', 1)).toBe(1);
        return;
      }
      expect(again).toEqual({ type: 'mutation', mutationId: 1, status: 'ok', duplicate: true });
      expect(await mutate(client, 'c1', 2, 'todo.add', { id: 't1', title: '' })).toEqual({ ...refused, duplicate: true });
      expect(appliedTimes([t], 'c1', 1)).toBe(0);
      expect(await mutate(client, 'c1', 4, 'todo.noop')).toMatchObject({ error: { code: 'out_of_order', expected: 3 } });
      expect(await mutate(client, 'c1', 3, 'todo.noop')).toMatchObject({ status: 'ok' });
    });

    it('a mutation that changes nothing is still acknowledged (no position)', async () => {
      const client = await connect();
      const answer = await mutate(client, 'c1', 1, 'todo.noop', { any: ['json'] });
      expect(answer).toEqual({ type: 'mutation', mutationId: 1, status: 'ok', result: { seen: { any: ['json'] } } });
      // Toggling a to-do that does not exist writes nothing either.
      expect(await mutate(client, 'c1', 2, 'todo.toggle', { id: 'missing' })).toEqual({ type: 'mutation', mutationId: 2, status: 'ok' });
    });

    it('validation failure lists the failing fields (unknown properties too) and counts as done: the next id goes on', async () => {
      const client = await connect();
      const answer = await mutate(client, 'c1', 1, 'todo.add', { id: 5, title: '', admin: true });
      expect(answer.status).toBe('rejected');
      expect(answer.error?.code).toBe('invalid_args');
      expect([...answer.error!.fields!].sort()).toEqual(['admin', 'id', 'title']);
      expect(answer.error?.message).toMatch(/title should not be empty/);
      expect(appliedTimes([t], 'c1', 1)).toBe(0);
      expect(await mutate(client, 'c1', 2, 'todo.add', { id: 't1', title: 'ok' })).toMatchObject({ status: 'ok' });
      // A re-send of it, now older than the client's last, still gets its refusal (recent refusals are kept).
      const again = await mutate(client, 'c1', 1, 'todo.add', { id: 5 });
      expect(again).toEqual({ ...answer, duplicate: true });
      // An older applied one is answered as applied (its own answer is not kept).
      expect(await mutate(client, 'c1', 3, 'todo.noop')).toMatchObject({ status: 'ok', result: { seen: null } });
      expect(await mutate(client, 'c1', 2, 'todo.add', { id: 't1', title: 'ok' })).toEqual({ type: 'mutation', mutationId: 2, status: 'ok', duplicate: true });
    });

    it('guard refusal: a guard reading the connection context refuses with forbidden; an admin passes', async () => {
      await t.service.set({ ...TODOS, item_id: 't1', data: { id: 't1', title: 'milk', done: false } });
      const user = await mutate(await connect('user'), 'u1', 1, 'todo.clear');
      expect(user).toMatchObject({ status: 'rejected', error: { code: 'forbidden' } });
      expect(appliedTimes([t], 'u1', 1)).toBe(0);
      expect(await t.service.list(TODOS)).toHaveLength(1);
      expect(await mutate(await connect('admin'), 'a1', 1, 'todo.clear')).toMatchObject({ status: 'ok' });
      expect(await t.service.list(TODOS)).toHaveLength(0);
    });

    it('conflict: a handler whose conditional write fails answers conflict with the current version', async () => {
      const { version } = await t.service.set({ ...TODOS, item_id: 't1', data: { id: 't1', title: 'milk', done: false } });
      const client = await connect();
      expect(await mutate(client, 'c1', 1, 'todo.rename', { id: 't1', title: 'oat milk', version })).toMatchObject({ status: 'ok' });
      const stale = await mutate(client, 'c1', 2, 'todo.rename', { id: 't1', title: 'soy milk', version });
      const current = await t.service.getVersioned({ ...TODOS, item_id: 't1' });
      expect(stale).toMatchObject({ status: 'rejected', error: { code: 'conflict', version: current.version } });
      expect(current.value).toMatchObject({ title: 'oat milk' });
    });

    it('unknown mutation, failing handler (message not leaked), out-of-order id, oversized args', async () => {
      const client = await connect();
      expect(await mutate(client, 'c1', 1, 'todo.nope')).toMatchObject({ status: 'rejected', error: { code: 'unknown_mutation' } });
      const failed = await mutate(client, 'c1', 2, 'todo.explode');
      expect(failed).toMatchObject({ status: 'rejected', error: { code: 'failed', message: 'the mutation failed' } });
      expect(JSON.stringify(failed)).not.toContain('hunter2');
      expect(await mutate(client, 'c1', 5, 'todo.noop')).toMatchObject({ status: 'rejected', error: { code: 'out_of_order', expected: 3, retry: true } });
      expect(appliedTimes([t], 'c1', 5)).toBe(0);
      const big = await mutate(client, 'c1', 3, 'todo.noop', { blob: 'x'.repeat(70_000) });
      expect(big).toMatchObject({ status: 'rejected', error: { code: 'invalid_args', fields: ['args'] } });
      expect(await mutate(client, 'c1', 4, 'todo.noop')).toMatchObject({ status: 'ok' });
      expect(await mutate(client, 'c1', 4, 'todo.noop')).toMatchObject({ status: 'ok', duplicate: true });
      const text = await t.app.get(StreamsMetrics).text();
      for (const outcome of ['ok', 'duplicate', 'unknown_mutation', 'failed', 'out_of_order', 'invalid_args']) {
        expect(text).toMatch(new RegExp(`^streams_mutations_total\\{outcome="${outcome}"\\} 1$`, 'm'));
      }
      expect(text).toMatch(/^streams_mutation_duration_seconds_count 6$/m);
    });

    it('pipelined mutations of one socket apply in order, each answered once', async () => {
      const client = await connect();
      for (let id = 1; id <= 40; id++) client.send({ type: 'mutate', clientId: 'c1', mutationId: id, name: 'todo.add', args: { id: `t${id}`, title: `n${id}` } });
      await waitFor(() => answers(client).length === 40, { what: '40 answers' });
      expect(answers(client).map((a) => [a.mutationId, a.status])).toEqual(Array.from({ length: 40 }, (_, i) => [i + 1, 'ok']));
      expect((await t.service.list<{ id: string }>(TODOS)).map((v) => v.id)).toEqual(Array.from({ length: 40 }, (_, i) => `t${i + 1}`));
    });

    it('a malformed mutate frame gets an error frame naming the field and the mutation id', async () => {
      const client = await connect();
      client.send({ type: 'mutate', clientId: '', mutationId: 3, name: 'todo.noop' });
      const error = await client.next((f) => f.type === 'error');
      expect(error.error).toMatchObject({ code: 'invalid_field', field: 'clientId', mutationId: 3 });
    });
  });
});

describeRedis('client mutations on Redis, two instances', () => {
  let prefix: string;
  let a: StreamsTestApp;
  let b: StreamsTestApp;
  let sockets: TestClient[];

  beforeEach(async () => {
    prefix = uniquePrefix('mutations-2');
    sockets = [];
    const options: StreamsModuleOptions = { adapter: { type: 'redis', url: REDIS_URL, keyPrefix: prefix }, authFunction: roleAuth };
    a = await startStreamsApp(options, { providers: [TodoMutations] });
    b = await startStreamsApp(options, { providers: [TodoMutations] });
  });

  afterEach(async () => {
    for (const socket of sockets) socket.socket.close();
    await Promise.all([a.app.close(), b.app.close()]);
    await deletePrefix(prefix);
  });

  const connect = async (t: StreamsTestApp) => {
    const socket = await TestClient.connect(t.url);
    sockets.push(socket);
    return socket;
  };

  it('a re-send to the other instance is answered from the shared ledger, not applied again', async () => {
    const first = await mutate(await connect(a), 'c1', 1, 'todo.add', { id: 't1', title: 'milk' });
    expect(first).toMatchObject({ status: 'ok' });
    const again = await mutate(await connect(b), 'c1', 1, 'todo.add', { id: 't1', title: 'milk' });
    expect(again).toEqual({ ...first, duplicate: true });
    expect(appliedTimes([a, b], 'c1', 1)).toBe(1);
    // The sequence goes on from either instance.
    expect(await mutate(await connect(b), 'c1', 2, 'todo.toggle', { id: 't1' })).toMatchObject({ status: 'ok' });
    expect(await mutate(await connect(a), 'c1', 4, 'todo.noop')).toMatchObject({ error: { code: 'out_of_order', expected: 3 } });
  });

  it('the same mutation sent to both instances at once applies once; both sockets get the same answer', async () => {
    const [onA, onB] = await Promise.all([connect(a), connect(b)]);
    for (let id = 1; id <= 20; id++) {
      const [x, y] = await Promise.all([
        mutate(onA, 'racer', id, 'todo.add', { id: `t${id}`, title: 'x' }),
        mutate(onB, 'racer', id, 'todo.add', { id: `t${id}`, title: 'x' }),
      ]);
      expect(appliedTimes([a, b], 'racer', id)).toBe(1);
      expect([x.status, y.status]).toEqual(['ok', 'ok']);
      expect([x, y].filter((answer) => answer.duplicate)).toHaveLength(1);
    }
  });
});
