import { isSync, startInstances, stopAll } from '../shared/redis-scaling.cases';
import { deletePrefix, describeRedis, REDIS_URL, uniquePrefix } from '../support/redis';
import type { StreamsTestApp } from '../support/streams-app';
import { type Frame, TestClient } from '../support/ws-client';

const SOCKETS = 40;
const WRITERS = 4;
/** Writes each writer keeps in flight. */
const LANES = 4;
const ROUNDS = 3;

/** The `seq` of a frame's `position` (`<epoch>:<seq>`). */
const seqOf = (frame: Frame) => Number(frame.position!.slice(frame.position!.lastIndexOf(':') + 1));

/** What one socket got of its group after its sync: events it never got, and events it got twice (or out of order). */
function continuity(frames: readonly Frame[], group: string): { gaps: number; duplicates: number; last: number } {
  const ofGroup = frames.filter((f) => f.type === 'stream' && f.groupId === group);
  const sync = ofGroup.findIndex(isSync);
  let last = seqOf(ofGroup[sync]);
  let gaps = 0;
  let duplicates = 0;
  for (const frame of ofGroup.slice(sync + 1)) {
    const seq = seqOf(frame);
    if (seq <= last) duplicates++;
    else gaps += seq - last - 1;
    last = Math.max(last, seq);
  }
  return { gaps, duplicates, last };
}

/**
 * The snapshot seam under a real race (SPEC §7.5): each socket makes the first join of its group on its
 * instance (the group's Redis subscription starts with that join) while writers on both instances hammer
 * those groups. A join that read its snapshot before its group's events flowed would miss the events
 * published in between: a gap after its sync.
 */
describeRedis('the snapshot seam on Redis: first joins racing writes on two instances', () => {
  const apps: StreamsTestApp[] = [];
  const clients: TestClient[] = [];
  const keyPrefix = uniquePrefix('seam');

  afterAll(async () => {
    await stopAll(apps, clients);
    await deletePrefix(keyPrefix);
  });

  it(`${SOCKETS} first joins per round, ${WRITERS} writers, ${ROUNDS} rounds: no gap and no duplicate after any sync`, async () => {
    apps.push(...(await startInstances(2, { type: 'redis', url: REDIS_URL, keyPrefix })));
    for (let round = 0; round < ROUNDS; round++) {
      const groups = Array.from({ length: SOCKETS }, (_, i) => `r${round}-g${i}`);
      let writing = true;
      let written = 0;
      const lane = async (app: StreamsTestApp, writer: number, offset: number) => {
        for (let n = offset; writing; n += LANES) {
          await app.service.set({ stream_name: 'seam', group_id: groups[n % SOCKETS], item_id: `w${writer}`, data: n });
          written++;
        }
      };
      const writers = Array.from({ length: WRITERS * LANES }, (_, i) => lane(apps[i % 2], i % WRITERS, i));
      await new Promise((resolve) => setTimeout(resolve, 50));

      const sockets = await Promise.all(groups.map((_, i) => TestClient.connect(`${apps[i % 2].url}/`)));
      clients.push(...sockets);
      sockets.forEach((socket, i) => socket.join('s', 'seam', groups[i]));
      await Promise.all(sockets.map((socket) => socket.next(isSync, 10_000)));
      await new Promise((resolve) => setTimeout(resolve, 200));
      writing = false;
      await Promise.all(writers);

      // One last event per group, so a loss at the tail shows too.
      await Promise.all(groups.map((group) => apps[0].service.set({ stream_name: 'seam', group_id: group, item_id: 'end', data: true })));
      await Promise.all(sockets.map((socket) => socket.next((f) => f.id === 'end', 10_000)));
      const seen = sockets.map((socket, i) => continuity(socket.frames, groups[i]));
      const after = seen.reduce((sum, s, i) => sum + s.last - seqOf(sockets[i].frames.find(isSync)!), 0);
      console.log(`seam round ${round + 1}: ${written} writes, ${after} events after the syncs`);
      expect(seen.map((s) => [s.gaps, s.duplicates])).toEqual(seen.map(() => [0, 0]));
      for (const socket of sockets) socket.close();
    }
  }, 60_000);
});
