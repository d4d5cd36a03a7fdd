import type { Socket } from 'node:net';
import { applyItemChange } from 'nest-realtime-streams-protocol';
import { readDelta } from '../support/delta-frames';
import { startStreamsApp, type StreamsTestApp } from '../support/streams-app';
import { type Frame, TestClient } from '../support/ws-client';

/** The TCP socket under a `ws` client, to stop reading from it (a client that never reads). */
const tcp = (c: TestClient) => (c.socket as unknown as { _socket: Socket })._socket;

/** SPEC §9 with §7.6: a backed-up delta subscriber whose waiting frame is replaced gets the newer one whole. */
describe('deltas to a slow consumer', () => {
  let t: StreamsTestApp;
  let slow: TestClient;
  const ref = { stream_name: 'feed', group_id: 'g', item_id: 'ticker' };
  const blob = 'x'.repeat(32 * 1024);

  beforeEach(async () => {
    t = await startStreamsApp({ limits: { bufferedBytes: 128 * 1024 } });
    await t.service.set({ ...ref, data: { i: 0, pad: '', blob } });
    slow = await TestClient.connect(t.url);
    slow.send({ type: 'join', data: { subscriptionId: 's', streamName: 'feed', groupId: 'g', deltas: true } });
    await slow.next();
    tcp(slow).pause();
  });
  afterEach(async () => {
    slow.close();
    await t.app.close();
  });

  it('coalesced frames go whole, so applying what arrives, in order, ends on the server’s value', async () => {
    const N = 3000;
    for (let i = 1; i <= N; i++) {
      await t.service.update({ ...ref, ops: [{ type: 'set', path: 'i', value: i }, { type: 'set', path: 'pad', value: String(i % 10).repeat(2048) }] });
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    tcp(slow).resume();
    const { value: expected, version } = await t.service.getVersioned(ref);
    const at = version!;
    await slow.next((f: Frame) => f.position === at || readDelta(f, at)?.version === at, 20000);
    const sync = slow.frames[0];
    let value = (sync.event!.data as unknown[])[0];
    let held = (sync.event as unknown as { items: { version: string }[] }).items[0].version;
    let deltas = 0;
    let whole = 0;
    for (const frame of slow.frames.slice(1)) {
      const delta = readDelta(frame, at);
      if (delta) {
        expect(delta.base).toBe(held);
        const next = applyItemChange(value, delta);
        if (!next.ok) throw new Error(`a delta did not apply at ${delta.version}`);
        value = next.value;
        deltas++;
      } else {
        value = frame.event!.data;
        whole++;
      }
      held = delta?.version ?? frame.position!;
    }
    expect(value).toEqual(expected);
    // Fewer frames than writes (coalesced while backed up), some of them whole, the rest deltas.
    expect(deltas + whole).toBeLessThan(N);
    expect(whole).toBeGreaterThan(0);
    expect(deltas).toBeGreaterThan(0);
    expect(slow.closed).toBeNull();
  });
});
