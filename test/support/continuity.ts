import type { StreamsService } from 'nest-realtime-streams';
import { groupView, keyedState } from './group-view';
import { type Frame, TestClient } from './ws-client';

/** Checks of SPEC §7.9 (continuity under faults) shared by the Redis fault tests (one server and Cluster). */

const isSync = (f: Frame) => f.event?.type === 'sync';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Watched {
  client: TestClient;
  stream: string;
  group: string;
}

/** Items of the client's view that differ from the stored state (missing, extra or stale), or 0. */
export function divergence(stored: Map<string, unknown>, w: Watched): number {
  const { items } = groupView(w.client.frames, w.stream, w.group);
  let differing = 0;
  for (const [id, value] of stored) if (JSON.stringify(items.get(id)) !== JSON.stringify(value)) differing++;
  for (const id of items.keys()) if (!stored.has(id)) differing++;
  return differing;
}

/** Per client, the live frames it applied to a view they do not follow (see `groupView`): all 0 when SPEC §7.9 holds. */
export function strays(watched: Watched[]): number[] {
  return watched.map((w) => groupView(w.client.frames, w.stream, w.group).strays);
}

/** Waits (bounded) until every client's view equals the stored state; returns what still differs per client. */
export async function settle(service: StreamsService, watched: Watched[], ms = 10000): Promise<number[]> {
  const end = Date.now() + ms;
  for (;;) {
    const stored = new Map<string, Map<string, unknown>>();
    for (const { stream, group } of watched) {
      const key = JSON.stringify([stream, group]);
      if (!stored.has(key)) stored.set(key, keyedState(await service.list({ stream_name: stream, group_id: group })));
    }
    const left = watched.map((w) => divergence(stored.get(JSON.stringify([w.stream, w.group]))!, w));
    if (left.every((n) => n === 0) || Date.now() > end) return left;
    await sleep(100);
  }
}

export async function watch(url: string, stream: string, group: string, clients: TestClient[]): Promise<Watched> {
  const client = await TestClient.connect(`${url}/`);
  clients.push(client);
  client.join('s1', stream, group);
  await client.next(isSync, 10000);
  return { client, stream, group };
}

/**
 * Writes `{id, n}` items to the groups round-robin until stopped, `writers` writes in flight at a time,
 * tolerating an outage; counts acknowledgements and keeps the longest time one write took to succeed or
 * fail (`slowestMs`).
 */
export function writeLoop(service: StreamsService, stream: string, groups: string[], writers = 1): { stop: () => Promise<number>; readonly slowestMs: number } {
  let running = true;
  let acked = 0;
  let slowestMs = 0;
  let next = 0;
  const writer = async () => {
    while (running) {
      const n = next++;
      const group = groups[n % groups.length];
      const id = `w-${n % 40}`;
      const started = Date.now();
      await service.set({ stream_name: stream, group_id: group, item_id: id, data: { id, n } }).then(
        () => acked++,
        () => sleep(20),
      );
      slowestMs = Math.max(slowestMs, Date.now() - started);
    }
  };
  const done = Promise.all(Array.from({ length: writers }, writer));
  return {
    stop: async () => {
      running = false;
      await done;
      return acked;
    },
    get slowestMs() {
      return slowestMs;
    },
  };
}

