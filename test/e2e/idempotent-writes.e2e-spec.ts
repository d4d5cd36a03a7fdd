import { Injectable } from '@nestjs/common';
import {
  OnStreamChange,
  type StreamChangeFrame,
  StreamsConflictError,
  StreamsIdempotencyError,
  StreamsInputError,
  StreamsMetrics,
  type StreamsModuleOptions,
} from 'nest-realtime-streams';
import { metricValue } from '../support/metrics-text';
import { startStreamsApp, type StreamsTestApp } from '../support/streams-app';
import { type Frame, TestClient } from '../support/ws-client';
import { waitFor } from '../support/wait-for';
import { onEveryAdapter } from '../support/every-adapter';

@Injectable()
class ChangeLog {
  readonly frames: StreamChangeFrame[] = [];

  @OnStreamChange({ stream_name: 'jobs' })
  onJob(frame: StreamChangeFrame): void {
    this.frames.push(frame);
  }
}

const FRAME_KEYS = ['event', 'groupId', 'id', 'position', 'streamName', 'timestamp', 'type'];
const HANDLER_KEYS = ['event', 'groupId', 'id', 'streamName', 'timestamp', 'type'];

/**
 * SPEC §8 idempotency keys end to end: N retries of a keyed call reach a subscribed WebSocket client as one
 * frame and run the change handlers once, which get the key (`idempotency_key`); the client's frames carry
 * no new field. Reuse, bad keys and custom streams are refused; replays and conflicts are counted.
 */
function describeIdempotentWrites(name: string, options: () => StreamsModuleOptions, cleanup: () => Promise<void> = async () => undefined): void {
  describe(`idempotent writes over a real socket: ${name}`, () => {
    let t: StreamsTestApp;
    let client: TestClient;
    const job = { stream_name: 'jobs', group_id: 'q', item_id: 'counter' };

    beforeEach(async () => {
      t = await startStreamsApp(options(), { providers: [ChangeLog] });
      client = await TestClient.connect(t.url);
    });

    afterEach(async () => {
      client.socket.close();
      await t.app.close();
      await cleanup();
    });

    it('N retries (sequential, concurrent, through trigger) give one frame and one handler call each, with the key for handlers only', async () => {
      client.join('s1', 'jobs', 'q');
      await client.next((f) => f.event?.type === 'sync');
      const increment = { ...job, ops: [{ type: 'increment' as const, path: 'n', by: 1 }], idempotency_key: 'job-1' };
      const results = await Promise.all(Array.from({ length: 5 }, () => t.service.update(increment)));
      for (let i = 0; i < 5; i++) results.push((await t.service.trigger({ function_id: 'stream::update', payload: increment })) as (typeof results)[number]);
      expect(results.every((r) => r.version === results[0].version && (r.new_value as { n: number }).n === 1)).toBe(true);
      for (let i = 0; i < 3; i++) await t.service.send({ stream_name: 'jobs', group_id: 'q', type: 'done', data: { job: 1 }, idempotency_key: 'done-1' });
      await t.service.trigger({ function_id: 'stream::send', payload: { stream_name: 'jobs', group_id: 'q', type: 'done', data: { job: 1 }, idempotency_key: 'done-1' } });
      const removed = await t.service.delete({ ...job, idempotency_key: 'drop-1' });
      await expect(t.service.delete({ ...job, idempotency_key: 'drop-1' })).resolves.toEqual(removed);
      await t.service.set({ ...job, item_id: 'plain', data: 0 });

      await client.next((f) => f.id === 'plain');
      await new Promise((r) => setTimeout(r, 50));
      const frames = client.frames.filter((f: Frame) => f.event?.type !== 'sync');
      expect(frames.map((f) => f.event?.type)).toEqual(['create', 'event', 'delete', 'create']);
      expect(frames[0].position).toBe(results[0].version);
      for (const frame of frames) expect(Object.keys(frame).sort()).toEqual(FRAME_KEYS);

      const changes = t.app.get(ChangeLog);
      await waitFor(() => changes.frames.length >= 4);
      await new Promise((r) => setTimeout(r, 50));
      expect(changes.frames.map((f) => [f.event.type, f.idempotency_key])).toEqual([
        ['create', 'job-1'],
        ['event', 'done-1'],
        ['delete', 'drop-1'],
        ['create', undefined],
      ]);
      expect(Object.keys(changes.frames[3]).sort()).toEqual(HANDLER_KEYS);
      expect(Object.keys(changes.frames[0]).sort()).toEqual([...HANDLER_KEYS, 'idempotency_key'].sort());

      const metrics = await t.app.get(StreamsMetrics).text();
      expect(metricValue(metrics, 'streams_idempotent_replays_total{operation="update"}')).toBe(9);
      expect(metricValue(metrics, 'streams_idempotent_replays_total{operation="send"}')).toBe(3);
      expect(metricValue(metrics, 'streams_idempotent_replays_total{operation="delete"}')).toBe(1);
    });

    it('a reused key, a bad key and a key on a custom stream are refused; refusals count as conflicts, not adapter errors', async () => {
      await t.service.set({ ...job, data: 1, idempotency_key: 'k' });
      const reuse = t.service.set({ ...job, data: 2, idempotency_key: 'k' });
      await expect(reuse).rejects.toBeInstanceOf(StreamsIdempotencyError);
      await expect(reuse).rejects.toMatchObject({ code: 'idempotency_key_reused', idempotency_key: 'k' });
      await expect(reuse).rejects.not.toBeInstanceOf(StreamsConflictError);
      await expect(t.service.trigger({ function_id: 'stream::delete', payload: { ...job, idempotency_key: 'k' } })).rejects.toMatchObject({ code: 'idempotency_key_reused' });
      await expect(t.service.set({ ...job, data: 3, if_absent: true })).rejects.toMatchObject({ code: 'exists' });
      await expect(t.service.get(job)).resolves.toBe(1);

      const metrics = await t.app.get(StreamsMetrics).text();
      expect(metricValue(metrics, 'streams_write_conflicts_total{code="idempotency_key_reused"}')).toBe(2);
      expect(metricValue(metrics, 'streams_write_conflicts_total{code="exists"}')).toBe(1);
      expect(metricValue(metrics, 'streams_adapter_duration_seconds_count{operation="set",outcome="conflict"}')).toBe(2);
      expect(metricValue(metrics, 'streams_adapter_duration_seconds_count{operation="set",outcome="error"}')).toBeUndefined();

      await expect(t.service.set({ ...job, data: 1, idempotency_key: '' })).rejects.toMatchObject({ code: 'STREAM_INVALID_INPUT', field: 'idempotency_key' });
      await expect(t.service.send({ stream_name: 'jobs', group_id: 'q', type: 't', data: 1, idempotency_key: 7 as never })).rejects.toBeInstanceOf(StreamsInputError);
      t.service.createStream('custom', { get: () => null, set: () => ({ new_value: 1 }), delete: () => ({}), list: () => [], listGroups: () => [] });
      await expect(t.service.set({ stream_name: 'custom', group_id: 'g', item_id: 'i', data: 1, idempotency_key: 'k' })).rejects.toMatchObject({
        code: 'STREAM_INVALID_INPUT',
        field: 'idempotency_key',
      });
    });
  });
}

onEveryAdapter('idempotent', describeIdempotentWrites);
