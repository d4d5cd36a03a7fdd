import type { StreamAuthInput } from 'nest-realtime-streams';
import { startStreamsApp, type StreamsTestApp } from '../support/streams-app';
import { TestClient } from '../support/ws-client';

/*
 * A plain `ws` client, as an app without the Motia packages would write it (issue 14): iii's handshake input
 * and iii's names, over a real upgrade.
 */
describe('raw ws client (iii wire)', () => {
  let t: StreamsTestApp;
  const inputs: StreamAuthInput[] = [];

  beforeAll(async () => {
    t = await startStreamsApp({ authFunction: (input) => (inputs.push(input), { context: null }) });
  });

  afterAll(async () => {
    await t?.app.close();
  });

  it('a repeated request header reaches authFunction with its last value, as iii passes it', async () => {
    // Node's HTTP client sends an array value as one header line per element (ws's types only say string).
    const repeated = { 'X-Tenant': ['first', 'last'], authorization: ['Bearer a', 'Bearer b'] } as unknown as Record<string, string>;
    const c = await TestClient.connect(t.url, { headers: repeated });
    c.socket.close();
    expect(inputs.at(-1)?.headers).toMatchObject({ 'x-tenant': 'last', authorization: 'Bearer b' });
  });

  it('empty subscription id, group and item id: joined, synced and fed like any other name (iii accepts them)', async () => {
    await t.service.set({ stream_name: 'todo', group_id: '', item_id: '', data: { v: 1 } });
    const c = await TestClient.connect(t.url);
    c.join('', 'todo', '', '');
    expect((await c.next((f) => f.event?.type === 'sync')).event).toEqual({ type: 'sync', data: { v: 1 } });
    await t.service.set({ stream_name: 'todo', group_id: '', item_id: '', data: { v: 2 } });
    expect(await c.next((f) => f.event?.type === 'update')).toMatchObject({ streamName: 'todo', groupId: '', id: '', event: { type: 'update', data: { v: 2 } } });
    // Messages of a socket are handled in order: once the next join is answered, the leave has been handled.
    c.leave('', 'todo', '', '');
    c.join('fence', 'todo', 'other');
    await c.next((f) => f.event?.type === 'sync' && f.groupId === 'other');
    await t.service.set({ stream_name: 'todo', group_id: '', item_id: '', data: { v: 3 } });
    await t.service.set({ stream_name: 'todo', group_id: 'other', item_id: 'x', data: 'after' });
    await c.next((f) => f.event?.type === 'create' && f.groupId === 'other');
    expect(c.frames.filter((f) => f.event?.type === 'update').map((f) => f.event?.data)).toEqual([{ v: 2 }]);
    expect(c.frames.filter((f) => f.type === 'error')).toEqual([]);
    c.socket.close();
  });
});
