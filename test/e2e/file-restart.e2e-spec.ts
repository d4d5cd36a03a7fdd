import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { StreamsModule, StreamsOptionsError, StreamsService } from 'nest-realtime-streams';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The file adapter through the Nest module: what was written before `app.close()` is there after the next boot. */
describe('StreamsModule with the file adapter: restart', () => {
  let path: string;

  beforeEach(() => {
    path = join(mkdtempSync(join(tmpdir(), 'file-restart-')), 'streams');
  });

  afterEach(() => {
    rmSync(join(path, '..'), { recursive: true, force: true });
  });

  const boot = async (): Promise<INestApplication> => {
    const moduleRef = await Test.createTestingModule({ imports: [StreamsModule.forRoot({ port: 0, adapter: { type: 'file', path } })] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    return app;
  };

  it('restores every stream, group and item written through StreamsService', async () => {
    const first = await boot();
    const streams = first.get(StreamsService);
    await streams.set({ stream_name: 'chat:rooms', group_id: 'room:1', item_id: 'm1', data: { text: 'hello' } });
    await streams.set({ stream_name: 'chat:rooms', group_id: 'room:1', item_id: 'm2', data: { text: 'there' } });
    await streams.update({ stream_name: 'dashboard', group_id: 'metrics', item_id: 'cpu', ops: [{ type: 'increment', path: 'load', by: 7 }] });
    await streams.set({ stream_name: 'chat:rooms', group_id: 'room:2', item_id: 'm1', data: 'short-lived' });
    await streams.delete({ stream_name: 'chat:rooms', group_id: 'room:2', item_id: 'm1' });
    await first.close();

    const second = await boot();
    try {
      const again = second.get(StreamsService);
      await expect(again.get({ stream_name: 'chat:rooms', group_id: 'room:1', item_id: 'm2' })).resolves.toEqual({ text: 'there' });
      await expect(again.list({ stream_name: 'chat:rooms', group_id: 'room:1' })).resolves.toEqual([{ text: 'hello' }, { text: 'there' }]);
      await expect(again.get({ stream_name: 'chat:rooms', group_id: 'room:2', item_id: 'm1' })).resolves.toBeNull();
      await expect(again.listGroups({ stream_name: 'chat:rooms' })).resolves.toEqual(['room:1']);
      await expect(again.listAll()).resolves.toEqual({
        stream: [
          { id: 'chat:rooms', groups: ['room:1'] },
          { id: 'dashboard', groups: ['metrics'] },
        ],
        count: 2,
      });
      await expect(
        again.update({ stream_name: 'dashboard', group_id: 'metrics', item_id: 'cpu', ops: [{ type: 'increment', path: 'load', by: 1 }] }),
      ).resolves.toEqual({ old_value: { load: 7 }, new_value: { load: 8 }, version: expect.any(String) });
    } finally {
      await second.close();
    }
  });

  it('a second app on the same directory fails bootstrap naming the directory', async () => {
    const first = await boot();
    try {
      await expect(boot()).rejects.toThrow(`File stream store ${path} is already open in this process`);
    } finally {
      await first.close();
    }
  });

  it('an unknown durability fails bootstrap with the options error', async () => {
    const build = Test.createTestingModule({
      imports: [StreamsModule.forRoot({ port: 0, adapter: { type: 'file', path, durability: 'eventually' as never } })],
    }).compile();
    await expect(build).rejects.toBeInstanceOf(StreamsOptionsError);
  });
});
