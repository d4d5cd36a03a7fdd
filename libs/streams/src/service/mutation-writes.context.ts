import { AsyncLocalStorage } from 'node:async_hooks';
import { formatPosition, type MutationWrite } from 'nest-realtime-streams-protocol';
import type { StreamEnvelope } from '../adapters/stream-adapter.interface';

/** Groups listed in one answer's `writes`; a handler writing more groups still answers with its last position. */
export const MAX_LISTED_WRITES = 16;

/** The writes of the mutation handler running in this async context: (stream, group) → its last write's position. */
const running = new AsyncLocalStorage<Map<string, MutationWrite>>();

/** Runs a mutation handler, noting where its `StreamsService` writes land (through `noteMutationWrite`). */
export async function collectWrites<T>(run: () => Promise<T>): Promise<{ value: T; writes: MutationWrite[] }> {
  const writes = new Map<string, MutationWrite>();
  const value = await running.run(writes, run);
  return { value, writes: [...writes.values()] };
}

/** Called by `StreamsService` after each published write; outside a mutation handler it does nothing. */
export function noteMutationWrite(envelope: StreamEnvelope): void {
  const writes = running.getStore();
  if (!writes || envelope.epoch === undefined) return;
  const { streamName, groupId } = envelope.frame;
  const key = JSON.stringify([streamName, groupId]);
  // Re-inserted so the map's last entry is the last write.
  writes.delete(key);
  writes.set(key, { streamName, groupId, position: formatPosition(envelope.epoch, envelope.seq) });
}
