import { Registry } from 'prom-client';
import { StreamsMetrics } from 'nest-realtime-streams';
import { metricValue as value } from '../support/metrics-text';
import { startStreamsApp } from '../support/streams-app';
import { TestClient } from '../support/ws-client';

/** SPEC §7.8: connection, subscription, message and error counters in Prometheus text format. */
describe('metrics (SPEC §7.8)', () => {
  it('counts connections, subscriptions, frames, errors, refusals and adapter calls', async () => {
    const t = await startStreamsApp();
    const metrics = t.app.get(StreamsMetrics);
    const a = await TestClient.connect(`${t.url}/stream/chat/room`);
    const b = await TestClient.connect(t.url);
    await a.next();
    b.join('s1', 'chat', 'room');
    b.join('s2', 'chat', 'other');
    await b.next();
    await b.next();
    b.send('{oops');
    await b.next();
    expect(await TestClient.refusal(`${t.url}/nope`)).toBe(404);
    await t.service.set({ stream_name: 'chat', group_id: 'room', item_id: 'i', data: 1 });
    await a.next();
    await b.next();

    const text = await metrics.text();
    expect(value(text, 'streams_connections')).toBe(2);
    expect(value(text, 'streams_connections_total')).toBe(2);
    expect(value(text, 'streams_subscriptions')).toBe(3);
    expect(value(text, 'streams_frames_in_total')).toBe(3);
    // 3 syncs + 1 error frame + 2 deliveries of the write.
    expect(value(text, 'streams_frames_out_total')).toBe(6);
    expect(value(text, 'streams_protocol_errors_total{code="invalid_json"}')).toBe(1);
    expect(value(text, 'streams_connections_refused_total{reason="not_found"}')).toBe(1);
    expect(value(text, 'streams_adapter_duration_seconds_count{operation="set",outcome="ok"}')).toBe(1);
    expect(text).toContain('# TYPE streams_frames_out_total counter');

    b.close();
    const end = Date.now() + 2000;
    while (value(await metrics.text(), 'streams_subscriptions') !== 1 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    expect(value(await metrics.text(), 'streams_connections')).toBe(1);
    expect(value(await metrics.text(), 'streams_subscriptions')).toBe(1);
    a.close();
    await t.app.close();
  });

  it('can register into the host application\'s registry', async () => {
    const registry = new Registry();
    const t = await startStreamsApp({ metrics: { registry } });
    expect(await registry.metrics()).toContain('streams_connections 0');
    await t.app.close();
  });
});
