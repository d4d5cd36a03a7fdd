import type { Pool } from 'pg';
import { StreamsMetrics } from '../../metrics/streams-metrics';
import { resolveStreamsOptions } from '../../options/streams-options.resolver';
import type { StreamsService } from '../../service/streams.service';
import { resolvePostgresOptions } from '../streams-postgres.options';
import { OutboxMetrics } from './outbox.metrics';
import { OutboxRelay } from './outbox.relay';

interface Row {
  id: string;
  group_hash: number;
}

/**
 * The relay's scheduling against a table in memory that behaves as the relay's statements do: a pass's read
 * takes, in id order, the rows of groups no other open pass holds, and holds those groups until its commit.
 * The database itself is covered by test/e2e/outbox-*.e2e-spec.ts; this pins the order of passes, which
 * real timing makes rare.
 */
class OutboxTableDouble {
  rows: Row[] = [];
  private readonly held = new Map<object, Set<number>>();
  private next = 1;
  reads = 0;

  insert(group: number): void {
    this.rows.push({ id: String(this.next++), group_hash: group });
  }

  pool(): Pool {
    const connect = async () => {
      const tx = {};
      const client = {
        on: () => client,
        off: () => client,
        release: () => this.held.delete(tx),
        query: async (text: string) => {
          if (text.startsWith('BEGIN;')) {
            this.reads++;
            const taken = new Set([...this.held.values()].flatMap((groups) => [...groups]));
            const rows = this.rows.filter((row) => !taken.has(row.group_hash));
            this.held.set(tx, new Set(rows.map((row) => row.group_hash)));
            const selected = rows.map((row) => ({ ...row, stream_name: 's', group_id: `g${row.group_hash}`, operation: 'send', payload: { type: 't', data: row.id }, attempts: 0, age: 0 }));
            return [{ rows: [] }, { rows: selected }];
          }
          const done = /IN \(([^)]*)\)/.exec(text)?.[1].split(',') ?? [];
          this.rows = this.rows.filter((row) => !done.includes(row.id));
          this.held.delete(tx);
          return { rows: [] };
        },
      };
      return client;
    };
    return { connect } as unknown as Pool;
  }
}

/** A StreamsService whose sends are recorded, and held back until released when `hold` is set. */
function service() {
  const applied: string[] = [];
  let gate: Promise<void> | null = null;
  let open = () => undefined as void;
  return {
    applied,
    hold: () => (gate = new Promise<void>((resolve) => (open = resolve))),
    release: () => {
      gate = null;
      open();
    },
    streams: {
      send: async (call: { data: string }) => {
        const wait = gate;
        if (wait) await wait;
        applied.push(call.data);
      },
    } as unknown as StreamsService,
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('OutboxRelay scheduling (passes that overlap)', () => {
  let relay: OutboxRelay;
  afterEach(() => relay.beforeApplicationShutdown());

  function start(table: OutboxTableDouble, streams: StreamsService) {
    const outbox = resolvePostgresOptions({ connectionString: 'postgres://unused', outbox: { listen: false, pollIntervalMs: 3_600_000 } }).outbox;
    relay = new OutboxRelay(outbox, table.pool(), streams, new OutboxMetrics(new StreamsMetrics(resolveStreamsOptions({}))));
    const wake = () => (relay as unknown as { wake(): void }).wake();
    return { wake, booted: relay.onApplicationBootstrap() };
  }

  it('a row another pass skipped while its group was held is read once that pass is done, without a new wake-up', async () => {
    const table = new OutboxTableDouble();
    const s = service();
    table.insert(1);
    s.hold();
    const { wake, booted } = start(table, s.streams);
    await booted;
    await settle(); // pass A holds group 1, applying its first row
    table.insert(1);
    wake(); // pass B reads while A holds group 1: it skips the new row
    await settle();
    expect([table.reads, s.applied]).toEqual([2, []]);
    s.release();
    await settle();
    // A's commit has the relay read again: the skipped row is relayed, with no notification or poll.
    expect(s.applied).toEqual(['1', '2']);
    expect(table.rows).toEqual([]);
  });

  it('one read at a time, at most two passes in flight; wake-ups meanwhile are not lost', async () => {
    const table = new OutboxTableDouble();
    const s = service();
    for (const group of [1, 2, 3]) table.insert(group);
    s.hold();
    const { wake, booted } = start(table, s.streams);
    await booted;
    await settle();
    table.insert(4);
    wake(); // a second pass: group 4
    await settle();
    table.insert(5);
    wake(); // two in flight: remembered
    await settle();
    expect(table.reads).toBe(2);
    s.release();
    await settle();
    expect([...s.applied].sort()).toEqual(['1', '2', '3', '4', '5']);
    expect(table.rows).toEqual([]);
  });
});
