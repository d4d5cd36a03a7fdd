import type { CapacityResult, CapacityRow } from '../model';
import type { BenchEnv } from './bench-env';
import { fileLimitProblem } from './file-limit';
import { failed, mergeReports, reasonOf } from './measure';
import { SERVERS } from './server-defs';
import { perConnection, ServerGroup } from './server-group';

const DELIVERY_TIMEOUT_MS = 30_000;

/**
 * Holds `connections` idle sockets, each joined to the bench group, and reports server memory per socket;
 * then sends one message to all of them, proving every socket is live.
 */
export async function runCapacity(row: CapacityRow, env: BenchEnv): Promise<CapacityResult> {
  // The server process holds every socket (each load process only its share).
  const tooMany = fileLimitProblem(row.connections);
  if (tooMany) return { row, status: 'skipped', reason: tooMany };
  const def = SERVERS[row.server];
  let group: ServerGroup;
  try {
    group = await ServerGroup.start(row.label, def.config(env), 1, env);
  } catch (error) {
    return { row, status: 'skipped', reason: `not available: ${reasonOf(error)}` };
  }
  try {
    const before = await group.memory();
    const start = Date.now();
    await env.pool.connect(row.label, def.client, group.urls, row.connections);
    const connectMs = Date.now() - start;
    const memory = perConnection(before, await group.memory(), row.connections);
    await env.pool.arm(row.label, 1);
    const waiting = env.pool.wait(DELIVERY_TIMEOUT_MS / 6, DELIVERY_TIMEOUT_MS);
    await group.writer.call('publish', { op: def.op, count: 1, size: 256, rate: null, burst: null }, DELIVERY_TIMEOUT_MS);
    const seen = mergeReports(await waiting);
    env.log(`  ${row.label}: ${row.connections} held, ${memory.heapKiB.toFixed(1)} KiB heap/conn, ${seen.delivered} delivered`);
    return { row, status: 'ok', measure: { connected: row.connections, connectMs, memory, delivered: seen.delivered } };
  } catch (error) {
    return { row, ...failed(error) };
  } finally {
    await env.pool.disconnect();
    await group.stop();
  }
}
