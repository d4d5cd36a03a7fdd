/**
 * What per-group state costs in the in-process adapters (docs/internals/architecture.md, "Per-group state"): heap
 * per group holding one event, per event kept in history, left by position reads of unknown groups (a
 * rejected join), and left once emptied groups' history has expired.
 *
 *   node --expose-gc -r @swc-node/register bench/tools/group-memory.ts
 */
import { MemoryStreamAdapter } from '../../libs/streams/src/adapters/memory/memory.adapter';
import { StreamsHub } from '../../libs/streams/src/hub/streams.hub';

const GROUPS = 100_000;
const EVENTS = 50_000;

function heap(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  gc();
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

const perUnit = (before: number, after: number, n: number) => Math.round((after - before) / n);
const event = (groupId: string, data: unknown) => ({ streamName: 's', groupId, id: null, event: { type: 'event' as const, event: { type: 'e', data } } });

async function measure(label: string, n: number, fill: (adapter: MemoryStreamAdapter) => Promise<void>): Promise<void> {
  const adapter = new MemoryStreamAdapter({ size: EVENTS, maxAgeMs: 300_000 });
  const base = heap();
  await fill(adapter);
  console.log(`${label}: ${perUnit(base, heap(), n)} B each, ${adapter.heldGroups().length} groups held`);
  await adapter.close();
}

async function main(): Promise<void> {
  await measure(`${GROUPS} position reads of unknown groups (rejected joins)`, GROUPS, async (a) => {
    for (let i = 0; i < GROUPS; i++) await a.position('s', `rejected-${i}`);
  });
  await measure(`${GROUPS} groups joined (snapshot), no event`, GROUPS, async (a) => {
    for (let i = 0; i < GROUPS; i++) await a.snapshot('s', `g${i}`, null);
  });
  await measure(`${GROUPS} groups with one 120 B event in history`, GROUPS, async (a) => {
    for (let i = 0; i < GROUPS; i++) await a.publish(event(`g${i}`, null));
  });
  const payload = 'x'.repeat(256);
  // Distinct data per event, and a hub member that takes each frame's wire bytes as a socket does.
  await measure(`${EVENTS} events of a 410 B frame in one group's history, sent to a subscriber`, EVENTS, async (a) => {
    await new StreamsHub(a).bind('s', 'hot', { deliver: (e) => void e.wire, continuityLost: () => undefined });
    for (let i = 0; i < EVENTS; i++) await a.publish(event('hot', { p: `${1e6 + i}${payload}`.slice(0, 256) }));
  });

  // Emptied groups past their history max age: the sweep frees them (a pass per second at most).
  const maxAgeMs = 1000;
  const adapter = new MemoryStreamAdapter({ size: 1000, maxAgeMs });
  const base = heap();
  for (let i = 0; i < GROUPS; i++) {
    await adapter.set('s', `g${i}`, 'i', { p: payload });
    await adapter.delete('s', `g${i}`, 'i');
  }
  const filled = heap();
  await new Promise((r) => setTimeout(r, maxAgeMs + 2500));
  console.log(
    `${GROUPS} emptied groups: ${Math.round((filled - base) / 1024 / 1024)} MiB; past the history max age: ${adapter.heldGroups().length} groups held, ` +
      `${Math.round((heap() - base) / 1024)} KiB left`,
  );
  await adapter.close();
}

void main();
