import { awardPoints } from '../../examples/idempotent-job.example';
import { startStreamsApp, type StreamsTestApp } from '../support/streams-app';
import { TestClient } from '../support/ws-client';


describe('Conflicts and retries guide: idempotent job example', () => {
  describe('running it', () => {
    let t: StreamsTestApp;
    beforeAll(async () => {
      t = await startStreamsApp();
    });
    afterAll(() => t.app.close());

    it('a job run 10 times (5 at once, 5 retries) adds its points once and sends one notice; another job adds again', async () => {
      const client = await TestClient.connect(t.url);
      client.join('s1', 'scores', 'league');
      await client.next((f) => f.event?.type === 'sync');
      const job = { id: 'job-1', player: 'ada', points: 5 };
      const runs = await Promise.all(Array.from({ length: 5 }, () => awardPoints(t.service, job)));
      for (let i = 0; i < 5; i++) runs.push(await awardPoints(t.service, job));
      expect(runs).toEqual(Array(10).fill(5));
      await expect(awardPoints(t.service, { ...job, id: 'job-2' })).resolves.toBe(10);
      await client.next((f) => f.event?.type === 'event' && (f.event.event?.data as { points: number }).points === 5 && client.frames.filter((x) => x.event?.type === 'event').length === 2);
      await new Promise((r) => setTimeout(r, 50));
      expect(client.frames.filter((f) => f.event?.type !== 'sync').map((f) => f.event?.type)).toEqual(['create', 'event', 'update', 'event']);
      client.socket.close();
    });
  });
});
