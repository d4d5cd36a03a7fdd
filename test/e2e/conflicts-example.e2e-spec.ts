import { pushRecent } from '../../examples/conflicts.example';
import { startStreamsApp, type StreamsTestApp } from '../support/streams-app';


describe('Conflicts and retries guide: read-modify-write example', () => {
  describe('running it', () => {
    let t: StreamsTestApp;
    beforeAll(async () => {
      t = await startStreamsApp();
    });
    afterAll(() => t.app.close());

    it('10 concurrent pushes, each retried on conflict: every entry kept exactly once', async () => {
      const entries = Array.from({ length: 10 }, (_, i) => `e${i}`);
      await Promise.all(entries.map((entry) => pushRecent(t.service, 'lobby', entry, 50)));
      const stored = await t.service.get<string[]>({ stream_name: 'recent', group_id: 'lobby', item_id: 'entries' });
      expect([...stored!].sort()).toEqual([...entries].sort());
    });

    it('keeps only the last `keep` entries', async () => {
      for (let i = 0; i < 8; i++) await pushRecent(t.service, 'small', `e${i}`, 3);
      await expect(t.service.get({ stream_name: 'recent', group_id: 'small', item_id: 'entries' })).resolves.toEqual(['e5', 'e6', 'e7']);
    });
  });
});
