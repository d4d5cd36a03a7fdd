import { Injectable } from '@nestjs/common';
import { OnStreamJoin, type StreamsModuleOptions, type StreamSubscriptionPayload } from 'nest-realtime-streams';
import { deletePrefix, describeRedis, REDIS_URL, uniquePrefix } from '../support/redis';
import { startStreamsApp, type StreamsTestApp } from '../support/streams-app';
import { type Frame, TestClient } from '../support/ws-client';

/** Refuses every join whose subscription id says so; accepts the others. */
@Injectable()
class Doorman {
  @OnStreamJoin({ stream_name: 'clock' })
  onJoin(payload: StreamSubscriptionPayload) {
    return { unauthorized: payload.subscription_id.startsWith('refused') };
  }
}

const JOINERS = 100;
/** Each refused socket re-joins this often: 90 joins/s, under the default budget of 100/s. */
const JOIN_EVERY_MS = 11;
const RUN_MS = 1500;
/** App writes to the same group: 200/s, far below the ~1,000/s that would make the group run ahead by itself. */
const WRITE_EVERY_MS = 5;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const isRefusal = (f: Frame) => f.event?.type === 'unauthorized';

/**
 * Issue 23 (3): reads never move a group's write clock. A join, answered or refused, is a read: sockets a
 * join handler refuses, re-joining as fast as their budget allows, must not push the group's clock ahead
 * of the wall clock (which would make every app write to the group wait for it).
 */
function describeRefusedJoiners(name: string, adapter: () => StreamsModuleOptions['adapter'], cleanup: () => Promise<void>): void {
  describe(`refused joiners on the ${name} adapter`, () => {
    let t: StreamsTestApp;
    const clients: TestClient[] = [];

    beforeEach(async () => {
      t = await startStreamsApp({ adapter: adapter() }, { providers: [Doorman] });
    });

    afterEach(async () => {
      for (const c of clients.splice(0)) c.close();
      await t.app.close();
      await cleanup();
    });

    it(`${JOINERS} sockets re-joining ${Math.round(1000 / JOIN_EVERY_MS)}×/s leave the group's clock at the wall clock while the app writes to it`, async () => {
      const set = (n: number) => t.service.set({ stream_name: 'clock', group_id: 'hot', item_id: `i${n % 10}`, data: { n } });
      await set(-1);
      const watcher = await TestClient.connect(t.url);
      clients.push(watcher);
      watcher.join('watch', 'clock', 'hot');
      await watcher.next((f) => f.event?.type === 'sync');
      // The lead each live frame has as it arrives: a lower bound of its lead when it was stamped.
      const leads: number[] = [];
      watcher.socket.on('message', (data) => {
        const frame = JSON.parse(data.toString()) as Frame;
        if (frame.event?.type === 'update' || frame.event?.type === 'create') leads.push(frame.timestamp! - Date.now());
      });
      const joiners = await Promise.all(Array.from({ length: JOINERS }, () => TestClient.connect(t.url)));
      clients.push(...joiners);

      const end = Date.now() + RUN_MS;
      const timers = joiners.map((c) => setInterval(() => c.join('refused', 'clock', 'hot'), JOIN_EVERY_MS));
      let writes = 0;
      try {
        while (Date.now() < end) {
          await set(writes++);
          await sleep(WRITE_EVERY_MS);
        }
      } finally {
        for (const timer of timers) clearInterval(timer);
      }
      await watcher.waitForCount(1 + writes, 5000);

      const refusals = joiners.flatMap((c) => c.frames.filter(isRefusal));
      const distinct = new Set(refusals.map((f) => f.timestamp)).size;
      console.log(`${name}: ${refusals.length} refusals answered, ${writes} writes; ${distinct} distinct refusal timestamps; max live lead ${Math.max(...leads)} ms`);

      expect(refusals.length).toBeGreaterThan(writes);
      // Refusals between two writes share one tick: at most one per write (and one before the first).
      expect(distinct).toBeLessThanOrEqual(writes + 1);
      expect(Math.max(...leads)).toBeLessThan(50);
    }, 30_000);
  });
}

describeRefusedJoiners('memory', () => ({ type: 'memory' }), async () => undefined);

describeRedis('group clock on Redis', () => {
  let prefix = '';
  describeRefusedJoiners(
    'redis',
    () => ({ type: 'redis', url: REDIS_URL, keyPrefix: (prefix = uniquePrefix('group-clock')) }),
    () => deletePrefix(prefix),
  );
});
