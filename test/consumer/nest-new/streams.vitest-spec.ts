// Copied as src/streams.spec.ts into the app from today's `nest new` and run by that app's own test runner.
import { Test } from '@nestjs/testing';
import { StreamsListener, StreamsModule, StreamsService } from 'nest-realtime-streams';

describe('StreamsModule in a testing module', () => {
  it('listens on a free port, stores an item and reads it back', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [StreamsModule.forRoot({ port: 0, host: '127.0.0.1' })] }).compile();
    await moduleRef.init();
    try {
      expect(moduleRef.get(StreamsListener).address().port).toBeGreaterThan(0);
      const streams = moduleRef.get(StreamsService);
      await streams.set({ stream_name: 'todos', group_id: 'list', item_id: '1', data: { title: 'Ship it' } });
      expect(await streams.get({ stream_name: 'todos', group_id: 'list', item_id: '1' })).toEqual({ title: 'Ship it' });
    } finally {
      await moduleRef.close();
    }
  });
});
