import { Injectable } from '@nestjs/common';
import { type CustomStream, CustomStreamProvider } from 'nest-realtime-streams';
import { startStreamsApp, type StreamsTestApp } from '../support/streams-app';
import { TestClient } from '../support/ws-client';

/** A custom stream whose reads fail while `failing` is set, as a store that is down would. */
@Injectable()
@CustomStreamProvider('flaky')
class FlakyStream implements CustomStream {
  failing = false;
  lists = 0;
  readonly items = new Map<string, unknown>();
  get({ item_id }: { item_id: string }) {
    return this.items.get(item_id) ?? null;
  }
  set({ item_id, data }: { item_id: string; data: unknown }) {
    const old_value = this.items.get(item_id) ?? null;
    this.items.set(item_id, data);
    return { old_value, new_value: data };
  }
  delete({ item_id }: { item_id: string }) {
    const old_value = this.items.get(item_id) ?? null;
    this.items.delete(item_id);
    return { old_value };
  }
  list() {
    this.lists++;
    if (this.failing) throw new Error('store unavailable');
    return [...this.items.values()];
  }
  listGroups() {
    return ['g'];
  }
}

async function waitUntil(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('A join whose snapshot cannot be read is retried, never left bound to nothing', () => {
  let t: StreamsTestApp;
  let flaky: FlakyStream;
  const clients: TestClient[] = [];

  beforeEach(async () => {
    t = await startStreamsApp({}, { providers: [FlakyStream] });
    flaky = t.app.get(FlakyStream);
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await t.app.close();
  });

  const connect = async () => {
    const client = await TestClient.connect(`${t.url}/`);
    clients.push(client);
    return client;
  };

  it('tells the client once (snapshot_failed, retrying), sends nothing the sync could contradict, then syncs when the store is back', async () => {
    flaky.failing = true;
    const client = await connect();
    client.join('s1', 'flaky', 'g');
    expect(await client.next()).toMatchObject({ type: 'error', error: { code: 'snapshot_failed', subscriptionId: 's1', retrying: true } });
    await t.service.set({ stream_name: 'flaky', group_id: 'g', item_id: 'a', data: { id: 'a' } });
    await waitUntil(() => flaky.lists >= 2);

    flaky.failing = false;
    expect(await client.next()).toMatchObject({ type: 'stream', id: null, event: { type: 'sync', data: [{ id: 'a' }] } });
    await t.service.set({ stream_name: 'flaky', group_id: 'g', item_id: 'b', data: { id: 'b' } });
    expect(await client.next()).toMatchObject({ id: 'b', event: { type: 'create' } });
    // One error frame for the whole outage, and no live frame before the sync.
    expect(client.frames.map((f) => (f.type === 'error' ? 'error' : f.event!.type))).toEqual(['error', 'sync', 'create']);
  });

  it('keeps retrying while the store is down and stops once the client leaves', async () => {
    flaky.failing = true;
    const client = await connect();
    client.join('s1', 'flaky', 'g');
    await client.next((f) => f.type === 'error');
    await waitUntil(() => flaky.lists >= 3);
    client.leave('s1', 'flaky', 'g');
    await client.quiet(50);
    const lists = flaky.lists;
    flaky.failing = false;
    expect(await client.quiet(1500)).toEqual([]);
    expect(flaky.lists).toBe(lists);
  });
});
