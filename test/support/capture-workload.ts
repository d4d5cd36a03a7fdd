import type { Pool } from 'pg';
import { random } from './outbox-workload';
import type { Frame, TestClient } from './ws-client';

/** The captured table of the outage and take-over tests; its items' group is computed from the id, which every delete carries. */
export const ITEMS_TABLE = 'CREATE TABLE items (id int PRIMARY KEY, val int NOT NULL)';
export const ITEM_GROUPS = 8;
export const itemGroup = (id: number) => `g${id % ITEM_GROUPS}`;

/** What each item's subscriber must see, in order: one event per committed row change. */
export type Expected = Map<string, string[]>;

/**
 * Random transactions of 1-20 inserts, updates and deletes on `items`, a tenth rolled back, until `changes`
 * committed row changes were made; appends each committed change's event to `expected` (per item id).
 * Each transaction is one round trip (a multi-statement text).
 */
export async function changeRows(pool: Pool, changes: number, state: { live: number[]; next: number; expected: Expected }, random: () => number): Promise<void> {
  let made = 0;
  while (made < changes) {
    const statements: string[] = [];
    const events: Array<[number, string]> = [];
    const live = [...state.live];
    let next = state.next;
    const size = Math.min(changes - made, 1 + Math.floor(random() * 20));
    for (let i = 0; i < size; i++) {
      const roll = random();
      if (live.length === 0 || roll < 0.4) {
        const id = next++;
        live.push(id);
        statements.push(`INSERT INTO items VALUES (${id}, ${Math.floor(random() * 1000)})`);
        events.push([id, 'create']);
      } else if (roll < 0.8) {
        const id = live[Math.floor(random() * live.length)];
        statements.push(`UPDATE items SET val = val + 1 WHERE id = ${id}`);
        events.push([id, 'update']);
      } else {
        const id = live.splice(Math.floor(random() * live.length), 1)[0];
        statements.push(`DELETE FROM items WHERE id = ${id}`);
        events.push([id, 'delete']);
      }
    }
    if (random() < 0.1) {
      await pool.query(`BEGIN; ${statements.join('; ')}; ROLLBACK`);
      continue;
    }
    await pool.query(`BEGIN; ${statements.join('; ')}; COMMIT`);
    state.live = live;
    state.next = next;
    for (const [id, type] of events) state.expected.set(String(id), [...(state.expected.get(String(id)) ?? []), type]);
    made += size;
  }
}

/** The change events (create/update/delete) the frames carry, per item id. */
export function eventsPerItem(frames: Frame[]): Expected {
  const seen: Expected = new Map();
  for (const f of frames) {
    if (f.type !== 'stream' || !f.event || !['create', 'update', 'delete'].includes(f.event.type)) continue;
    seen.set(f.id!, [...(seen.get(f.id!) ?? []), f.event.type]);
  }
  return seen;
}

/** Joins every item group on `client`, each answered by its sync before the next. */
export async function joinItemGroups(client: TestClient): Promise<void> {
  for (let g = 0; g < ITEM_GROUPS; g++) {
    client.join(`s${g}`, 'items', `g${g}`);
    await client.next((f) => f.event?.type === 'sync' && f.groupId === `g${g}`);
  }
}

/**
 * Random row changes (a seed the failures name) and what `client`, joined to every item group, must see of
 * them: `misdelivered()` lists the first items whose events differ from each committed change once, in order.
 */
export function rowChanges(client: TestClient) {
  const seed = Date.now() % 1_000_000;
  const state = { live: [] as number[], next: 1, expected: new Map() as Expected };
  const rng = random(seed);
  return {
    seed,
    change: (pool: Pool, changes: number) => changeRows(pool, changes, state, rng),
    delivered: () => [...eventsPerItem(client.frames).values()].reduce((n, events) => n + events.length, 0),
    misdelivered: () => {
      const seen = eventsPerItem(client.frames);
      const wrong = [...state.expected].filter(([id, events]) => JSON.stringify(seen.get(id)) !== JSON.stringify(events));
      return { seed, wrong: wrong.slice(0, 5).map(([id, events]) => ({ id, expected: events, seen: seen.get(id) })) };
    },
  };
}
