import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type WebSocket, WebSocketServer } from 'ws';
import { StreamsMetrics } from 'nest-realtime-streams';
import { resolveStreamsOptions } from 'nest-realtime-streams/options/streams-options.resolver';
import { OutboundQueue } from 'nest-realtime-streams/gateway/outbound-queue';
import { rawSocket } from 'nest-realtime-streams/gateway/ws-internals';
import { wireFrame } from 'nest-realtime-streams/wire/wire-frame';
import { WriteBatcher } from 'nest-realtime-streams/gateway/write-batcher';
import { metricValue } from '../support/metrics-text';
import { startStreamsApp } from '../support/streams-app';
import { TestClient } from '../support/ws-client';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of cleanups.splice(0).reverse()) await stop();
});
const root = join(__dirname, '../..');
const manifest = (path: string) => JSON.parse(readFileSync(join(root, path), 'utf8')) as Record<string, Record<string, string>> & { version: string };

async function serverSocket(perMessageDeflate: boolean): Promise<{ server: WebSocket; client: TestClient }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate });
  await new Promise((r) => wss.once('listening', r));
  const accepted = new Promise<WebSocket>((r) => wss.once('connection', r));
  const client = await TestClient.connect(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  const server = await accepted;
  cleanups.push(async () => {
    client.close();
    await new Promise((r) => wss.close(r));
  });
  return { server, client };
}
const frame = (i: number) => wireFrame(Buffer.from(JSON.stringify({ i })));
const indexes = (c: TestClient) => c.frames.map((f) => (f as unknown as { i: number }).i);

describe('transport seam over ws', () => {
  it('runs on the ws version its Jest project names, and the published range starts at the oldest one tested', () => {
    const underTest = (globalThis as { WS_UNDER_TEST?: string }).WS_UNDER_TEST ?? 'ws';
    // Resolved through Jest, so through the project's `ws` mapping: the module every suite here loads.
    expect(require.resolve('ws')).toBe(require.resolve(join(root, 'node_modules', underTest)));
    const oldest = manifest('node_modules/ws-oldest/package.json').version;
    expect(manifest('package.json').devDependencies['ws-oldest']).toBe(`npm:ws@${oldest}`);
    expect(manifest('libs/streams/package.json').dependencies.ws).toBe(`^${oldest}`);
    expect(manifest('node_modules/ws/package.json').version.split('.')[0]).toBe(oldest.split('.')[0]);
  });

  it('a socket that negotiated permessage-deflate never gets raw writes: frames go through ws (compressed), in order', async () => {
    const metrics = new StreamsMetrics(resolveStreamsOptions({}));
    const s = await serverSocket(true);
    expect(s.server.extensions).toContain('permessage-deflate');
    expect(rawSocket(s.server)).toBeNull();
    const out = new OutboundQueue(s.server, 1 << 20, metrics, new WriteBatcher(0));
    for (let i = 0; i < 20; i++) out.send(frame(i));
    await s.client.waitForCount(20);
    expect(indexes(s.client)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(metrics.framesViaSend).toBe(20);
  });

  it.each([
    ['unbatched', null],
    ['batched', new WriteBatcher(0)],
  ])('a raw write never overtakes a frame ws’s sender holds back (%s): it goes through ws, after it', async (_name, batcher) => {
    const metrics = new StreamsMetrics(resolveStreamsOptions({}));
    const s = await serverSocket(false);
    const out = new OutboundQueue(s.server, 1 << 20, metrics, batcher);
    // ws reads a Blob asynchronously and queues what is sent meanwhile.
    s.server.send(new Blob([JSON.stringify({ i: -1 })]));
    out.send(frame(0));
    out.send(frame(1));
    // A batch flushed while the sender is still busy (the batcher's own flush may come after the Blob was read).
    out.flush();
    await s.client.waitForCount(3);
    expect(indexes(s.client)).toEqual([-1, 0, 1]);
    expect(metrics.framesViaSend).toBe(2);
    // Once the sender is idle again, frames take the fast path.
    out.send(frame(2));
    await s.client.waitForCount(4);
    expect(indexes(s.client)).toEqual([-1, 0, 1, 2]);
    expect(metrics.framesViaSend).toBe(2);
  });

  it.each([
    ['on', {}, 1, 0],
    ['off (writes.fastPath: false)', { writes: { fastPath: false } }, 0, 3],
  ])('the active write path is exported: fast path %s', async (_name, options, gauge, viaSend) => {
    const t = await startStreamsApp(options);
    cleanups.push(() => t.app.close());
    const c = await TestClient.connect(`${t.url}/stream/dash/g`);
    cleanups.push(async () => c.close());
    await c.next();
    for (let i = 0; i < 2; i++) await t.service.set({ stream_name: 'dash', group_id: 'g', item_id: 'i', data: { i } });
    await c.waitForCount(3);
    const text = await t.app.get(StreamsMetrics).text();
    expect(metricValue(text, 'streams_write_fast_path')).toBe(gauge);
    // The sync and both updates.
    expect(metricValue(text, 'streams_frames_out_via_send_total')).toBe(viaSend);
  });
});
