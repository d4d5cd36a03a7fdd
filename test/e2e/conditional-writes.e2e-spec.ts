import { Injectable } from '@nestjs/common';
import { OnStreamChange, type StreamChangeFrame, StreamsConflictError, type StreamsModuleOptions } from 'nest-realtime-streams';
import { startStreamsApp, type StreamsTestApp } from '../support/streams-app';
import { type Frame, TestClient } from '../support/ws-client';
import { waitFor } from '../support/wait-for';
import { onEveryAdapter } from '../support/every-adapter';

@Injectable()
class ChangeLog {
  readonly frames: StreamChangeFrame[] = [];

  @OnStreamChange({ stream_name: 'cards' })
  onCard(frame: StreamChangeFrame): void {
    this.frames.push(frame);
  }
}

const FRAME_KEYS = ['event', 'groupId', 'id', 'position', 'streamName', 'timestamp', 'type'];
const HANDLER_KEYS = ['event', 'groupId', 'id', 'streamName', 'timestamp', 'type'];

/**
 * SPEC §8 end to end: a refused conditional write reaches nobody (a subscribed WebSocket client gets no
 * frame, no change handler runs), accepted ones reach everybody exactly as before, and neither frames nor
 * handler payloads gain a field (old clients see nothing new).
 */
function describeConditionalWrites(name: string, options: () => StreamsModuleOptions, cleanup: () => Promise<void> = async () => undefined): void {
  describe(`conditional writes over a real socket: ${name}`, () => {
    let t: StreamsTestApp;
    let client: TestClient;

    beforeEach(async () => {
      t = await startStreamsApp(options(), { providers: [ChangeLog] });
      client = await TestClient.connect(t.url);
    });

    afterEach(async () => {
      client.socket.close();
      await t.app.close();
      await cleanup();
    });

    it('refused writes publish no frame and run no change handler; accepted ones do, with unchanged shapes', async () => {
      const card = { stream_name: 'cards', group_id: 'board', item_id: 'c1' };
      client.join('s1', 'cards', 'board');
      await client.next((f) => f.event?.type === 'sync');
      const first = await t.service.set({ ...card, data: { title: 'a' }, if_absent: true });

      const refused: Array<Promise<unknown>> = [
        t.service.set({ ...card, data: { title: 'lost' }, if_absent: true }),
        t.service.set({ ...card, data: { title: 'lost' }, if_version: 'stale:1' }),
        t.service.update({ ...card, ops: [{ type: 'set', path: 'title', value: 'lost' }], if_version: 'stale:1' }),
        t.service.delete({ ...card, if_version: 'stale:1' }),
        t.service.trigger({ function_id: 'stream::set', payload: { ...card, item_id: 'c2', data: 'lost', if_exists: true } }),
      ];
      const errors = await Promise.all(refused.map((write) => write.then(() => null, (error: unknown) => error)));
      expect(errors.every((e) => e instanceof StreamsConflictError)).toBe(true);
      expect(errors.map((e) => [(e as StreamsConflictError).code, (e as StreamsConflictError).version])).toEqual([
        ['exists', first.version],
        ['version_conflict', first.version],
        ['version_conflict', first.version],
        ['version_conflict', first.version],
        ['missing', null],
      ]);

      const second = await t.service.update({ ...card, ops: [{ type: 'set', path: 'title', value: 'b' }], if_version: first.version });
      await expect(t.service.getVersioned(card)).resolves.toEqual({ value: { title: 'b' }, version: second.version });

      const created = await client.next((f) => f.event?.type === 'create');
      const updated = await client.next((f) => f.event?.type !== 'sync');
      expect([created.event, updated.event]).toEqual([
        { type: 'create', data: { title: 'a' } },
        { type: 'update', data: { title: 'b' } },
      ]);
      // Each frame's position is its write's version: nothing was spent on the refused writes in between.
      expect([created.position, updated.position]).toEqual([first.version, second.version]);
      expect(client.frames.filter((f: Frame) => f.event?.type !== 'sync')).toHaveLength(2);
      for (const frame of [created, updated]) expect(Object.keys(frame).sort()).toEqual(FRAME_KEYS);

      const changes = t.app.get(ChangeLog);
      await waitFor(() => changes.frames.length >= 2);
      expect(changes.frames.map((f) => f.event)).toEqual([created.event, updated.event]);
      for (const frame of changes.frames) expect(Object.keys(frame).sort()).toEqual(HANDLER_KEYS);
      await expect(t.service.get({ ...card, item_id: 'c2' })).resolves.toBeNull();
    });
  });
}

onEveryAdapter('conditional', describeConditionalWrites);
