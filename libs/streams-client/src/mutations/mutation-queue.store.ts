import type { OptimisticChange } from './optimistic.change';

/** A mutation not yet answered for good, as kept across disconnects (and, with a persistent store, reloads). */
export interface QueuedMutation {
  mutationId: number;
  name: string;
  args: unknown;
  optimistic: OptimisticChange[];
}

/** What a store gives back on start: who this client is, the last id it gave out, and what is still pending (in id order). */
export interface StoredMutationQueue {
  clientId: string;
  lastMutationId: number;
  pending: QueuedMutation[];
}

/**
 * Where the client keeps its mutation queue. The default keeps it in memory (it survives reconnects, not a
 * reload); a persistent one (e.g. IndexedDB or localStorage in a browser, a file in Node) makes an offline
 * queue survive reloads. `lastMutationId` must be kept even when nothing is pending: the server remembers the
 * client's last id, and a reused id would be answered as already applied.
 */
export interface MutationQueueStore {
  /** The saved queue, or null on first use. */
  load(): Promise<StoredMutationQueue | null>;
  /** A new mutation: appended, and `lastMutationId` becomes its id (`clientId` is the one to keep). */
  add(clientId: string, mutation: QueuedMutation): Promise<void>;
  /** A mutation answered for good (applied or refused). */
  remove(mutationId: number): Promise<void>;
}

/** The default store: the queue lives as long as the client object. */
export class MemoryMutationQueueStore implements MutationQueueStore {
  private saved: StoredMutationQueue | null = null;

  load(): Promise<StoredMutationQueue | null> {
    return Promise.resolve(this.saved && { ...this.saved, pending: [...this.saved.pending] });
  }

  add(clientId: string, mutation: QueuedMutation): Promise<void> {
    const pending = this.saved?.clientId === clientId ? this.saved.pending : [];
    this.saved = { clientId, lastMutationId: mutation.mutationId, pending: [...pending, mutation] };
    return Promise.resolve();
  }

  remove(mutationId: number): Promise<void> {
    if (this.saved) this.saved.pending = this.saved.pending.filter((m) => m.mutationId !== mutationId);
    return Promise.resolve();
  }
}
