import { Injectable } from '@nestjs/common';
import fc from 'fast-check';
import { OnStreamMutation, StreamsService, type StreamMutationPayload, type StreamsModuleOptions } from 'nest-realtime-streams';
import { StreamsClient, type WebSocketConstructor } from 'nest-realtime-streams-client';
import WebSocket from 'ws';
import { startOfflineProxy, type OfflineProxy } from '../support/offline-proxy';
import { deletePrefix, describeRedis, REDIS_URL, uniquePrefix } from '../support/redis';
import { startStreamsApp, type StreamsTestApp } from '../support/streams-app';
import { waitFor } from '../support/wait-for';

const GROUP = { stream_name: 'prop', group_id: 'g' } as const;

interface Item {
  id: string;
  n?: number;
  ids?: number[];
}

/** Each mutation adds one to a counter every client shares and appends its id to its client's own log. */
@Injectable()
class PropMutations {
  constructor(private readonly streams: StreamsService) {}

  @OnStreamMutation('prop.add')
  async add(p: StreamMutationPayload): Promise<void> {
    await this.streams.update({ ...GROUP, item_id: 'shared', ops: [{ type: 'increment', path: 'n', by: 1 }] });
    await this.streams.update({ ...GROUP, item_id: `log-${p.client_id}`, ops: [{ type: 'append', path: 'ids', value: p.mutation_id }] });
  }
}

/** A seeded PRNG (mulberry32), so a failing run replays with its fast-check seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A `ws` socket that sometimes sends a mutate frame twice, and sometimes loses a mutation answer with the connection. */
function faultySocket(random: () => number, rates: { duplicate: number; lostAck: number }, seen: FaultCounts): WebSocketConstructor {
  class FaultySocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      // ws keeps `onmessage` as an accessor on its prototype: the client's listener is wrapped on the way in.
      const own = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'onmessage')!;
      Object.defineProperty(this, 'onmessage', {
        get: () => own.get!.call(this) as unknown,
        set: (listener: (event: WebSocket.MessageEvent) => void) =>
          own.set!.call(this, (event: WebSocket.MessageEvent) => {
            if (String(event.data).startsWith('{"type":"mutation"') && random() < rates.lostAck) {
              seen.lostAcks++;
              return void this.terminate();
            }
            listener(event);
          }),
      });
    }

    override send(data: string): void {
      super.send(data);
      if (data.startsWith('{"type":"mutate"') && random() < rates.duplicate) {
        seen.duplicates++;
        super.send(data);
      }
    }
  }
  return FaultySocket as unknown as WebSocketConstructor;
}

type Fault = 'none' | 'cut' | 'switch' | 'restart';

/** The faults a run injected: a scenario that asked for one must have had it, or the run proves nothing. */
interface FaultCounts {
  duplicates: number;
  lostAcks: number;
}

interface Scenario {
  seed: number;
  duplicate: number;
  lostAck: number;
  steps: Array<{ client: number; burst: number; fault: Fault }>;
}

const CLIENTS = 10;

/** Steps of one run: with bursts of 1 to 30 (15.5 on average), about 10,000 mutations, some 1,000 per client. */
const STEPS = 650;

/** Faults drawn per step, by weight. */
function scenarios(faults: Partial<Record<Fault, number>>): fc.Arbitrary<Scenario> {
  const fault = fc.oneof(...Object.entries(faults).map(([name, weight]) => ({ arbitrary: fc.constant(name as Fault), weight: weight! })));
  return fc.record({
    seed: fc.integer(),
    duplicate: fc.constantFrom(0, 0.1, 0.3),
    lostAck: fc.constantFrom(0, 0.02, 0.1),
    steps: fc.array(fc.record({ client: fc.nat({ max: CLIENTS - 1 }), burst: fc.integer({ min: 1, max: 30 }), fault }), { minLength: STEPS, maxLength: STEPS }),
  });
}

/**
 * Runs one scenario against `instances` servers (one on memory; two sharing Redis, with switches and restarts):
 * at the end every client's queue is empty, every mirror equals the server's state, the shared counter counts
 * every mutation once and each client's log holds its ids 1..n in order (none applied twice, none lost).
 */
async function run(scenario: Scenario, options: () => StreamsModuleOptions, instanceCount: number): Promise<void> {
  const random = prng(scenario.seed);
  const start = () => startStreamsApp({ ...options(), mutations: { perSecond: 100_000, leaseMs: 5000 } }, { providers: [PropMutations] });
  const instances: StreamsTestApp[] = [];
  for (let i = 0; i < instanceCount; i++) instances.push(await start());
  const port = (t: StreamsTestApp) => t.listener.address().port;
  const proxies: OfflineProxy[] = [];
  const targets: number[] = [];
  const clients: Array<StreamsClient<{ prop: { item: Item } }>> = [];
  const issued: number[] = [];
  const seen: FaultCounts = { duplicates: 0, lostAcks: 0 };
  try {
    await instances[0].service.set({ ...GROUP, item_id: 'shared', data: { id: 'shared', n: 0 } });
    for (let c = 0; c < CLIENTS; c++) {
      await instances[0].service.set({ ...GROUP, item_id: `log-p${c}`, data: { id: `log-p${c}`, ids: [] } });
      targets.push(c % instanceCount);
      proxies.push(await startOfflineProxy(port(instances[targets[c]])));
      clients.push(
        new StreamsClient({
          url: `ws://127.0.0.1:${proxies[c].port}/`,
          WebSocket: faultySocket(random, scenario, seen),
          reconnect: { initialDelayMs: 5, maxDelayMs: 40 },
          mutations: { clientId: `p${c}` },
        }),
      );
      issued.push(0);
    }
    const lists = clients.map((client) => client.subscribeGroup('prop', 'g'));
    await waitFor(() => lists.every((list) => list.items.size === CLIENTS + 1), { what: 'every mirror synced' });

    const outcomes: Array<Promise<unknown>> = [];
    for (const { client: c, burst, fault } of scenario.steps) {
      for (let i = 0; i < burst; i++) {
        const id = ++issued[c];
        const optimistic = [
          { streamName: 'prop', groupId: 'g', itemId: 'shared', ops: [{ type: 'increment' as const, path: 'n', by: 1 }] },
          { streamName: 'prop', groupId: 'g', itemId: `log-p${c}`, ops: [{ type: 'append' as const, path: 'ids', value: id }] },
        ];
        outcomes.push(clients[c].mutate('prop.add', null, { optimistic }));
      }
      if (fault === 'cut') {
        proxies[c].offline();
        setTimeout(() => proxies[c].online(), Math.floor(random() * 20));
      } else if (fault === 'switch') {
        targets[c] = (targets[c] + 1) % instanceCount;
        proxies[c].retarget(port(instances[targets[c]]));
      } else if (fault === 'restart') {
        const which = Math.floor(random() * instanceCount);
        await instances[which].app.close();
        instances[which] = await start();
        for (let p = 0; p < CLIENTS; p++) if (targets[p] === which) proxies[p].retarget(port(instances[which]));
      }
      await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 5)));
    }
    // Every promise settles ok: a mutation is never refused here, whatever the faults.
    await Promise.all(outcomes);
    await waitFor(() => clients.every((client) => client.pendingMutations === 0), { ms: 30_000, what: 'every queue drained' });

    const total = issued.reduce((a, b) => a + b, 0);
    if (scenario.duplicate > 0) expect(seen.duplicates).toBeGreaterThan(0);
    if (scenario.lostAck > 0) expect(seen.lostAcks).toBeGreaterThan(0);
    const server = new Map((await instances[0].service.list<Item>(GROUP)).map((item) => [item.id, item]));
    expect(server.get('shared')).toEqual({ id: 'shared', n: total });
    for (let c = 0; c < CLIENTS; c++) expect(server.get(`log-p${c}`)?.ids).toEqual(Array.from({ length: issued[c] }, (_, i) => i + 1));
    // Redis lists a group in hash order: items are compared by id.
    const sorted = (items: ReadonlyMap<string, Item>) => JSON.stringify([...items].sort(([a], [b]) => a.localeCompare(b)));
    const diverged = () => lists.map((list, c) => ({ c, state: clients[c].state, items: sorted(list.items) })).filter(({ items }) => items !== sorted(server));
    await waitFor(() => diverged().length === 0, { ms: 10_000, what: () => `every mirror equal to the server ${sorted(server)}; diverged: ${JSON.stringify(diverged())}` });
  } finally {
    for (const client of clients) client.close();
    for (const proxy of proxies) await proxy.close();
    for (const t of instances) await t.app.close();
  }
}

describe('client mutations, property: faults never apply a mutation twice, lose one, or leave a mirror diverged', () => {
  it('memory adapter: disconnects, duplicated sends, lost answers', async () => {
    await fc.assert(
      fc.asyncProperty(scenarios({ none: 8, cut: 2 }), (scenario) => run(scenario, () => ({}), 1)),
      { numRuns: 1, endOnFailure: true },
    );
  }, 60_000);
});

describeRedis('client mutations, property on Redis', () => {
  it('two instances: disconnects, duplicated sends, lost answers, instance switches and server restarts', async () => {
    const prefixes: string[] = [];
    try {
      await fc.assert(
        fc.asyncProperty(scenarios({ none: 40, cut: 6, switch: 6, restart: 1 }), (scenario) => {
          const prefix = uniquePrefix('mutations-prop');
          prefixes.push(prefix);
          return run(scenario, () => ({ adapter: { type: 'redis', url: REDIS_URL, keyPrefix: prefix } }), 2);
        }),
        { numRuns: 1, endOnFailure: true },
      );
    } finally {
      for (const prefix of prefixes) await deletePrefix(prefix);
    }
  }, 90_000);
});
