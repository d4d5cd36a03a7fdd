import type { MutationQueueStore, QueuedMutation, StoredMutationQueue } from './mutation-queue.store';

/** The few IndexedDB shapes used here: the client's core compiles against the ES library alone (no DOM types). */
interface IdbRequest<T = unknown> {
  result: T;
  error: unknown;
  onsuccess: (() => void) | null;
  onerror: (() => void) | null;
}
interface IdbOpenRequest extends IdbRequest<IdbDatabase> {
  onupgradeneeded: (() => void) | null;
}
interface IdbObjectStore {
  get(key: string): IdbRequest;
  getAll(): IdbRequest<unknown[]>;
  put(value: unknown, key?: string | number): IdbRequest;
  delete(key: string | number): IdbRequest;
  clear(): IdbRequest;
}
interface IdbTransaction {
  objectStore(name: string): IdbObjectStore;
  oncomplete: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
  error: unknown;
}
interface IdbDatabase {
  objectStoreNames: { contains(name: string): boolean };
  createObjectStore(name: string, options?: { keyPath?: string }): IdbObjectStore;
  transaction(stores: string[], mode: 'readonly' | 'readwrite'): IdbTransaction;
}
interface IdbFactory {
  open(name: string, version?: number): IdbOpenRequest;
}

const META = 'meta';
const PENDING = 'pending';

/**
 * A MutationQueueStore in the browser's IndexedDB: the offline queue survives reloads and browser restarts.
 * One database per queue (`name`): tabs that should not share a client id (each tab its own sequence) use
 * their own name, e.g. one kept in `sessionStorage`. Every change is one transaction.
 */
export class IndexedDbMutationQueueStore implements MutationQueueStore {
  private db: Promise<IdbDatabase> | null = null;

  constructor(
    private readonly name = 'nest-realtime-streams-mutations',
    private readonly factory: IdbFactory | undefined = (globalThis as { indexedDB?: IdbFactory }).indexedDB,
  ) {}

  async load(): Promise<StoredMutationQueue | null> {
    const db = await this.open();
    const tx = db.transaction([META, PENDING], 'readonly');
    const [meta, pending] = await Promise.all([request(tx.objectStore(META).get('queue')), request(tx.objectStore(PENDING).getAll())]);
    if (!meta) return null;
    const { clientId, lastMutationId } = meta as { clientId: string; lastMutationId: number };
    // Keys are the mutation ids, so getAll returns them in id order.
    return { clientId, lastMutationId, pending: pending as QueuedMutation[] };
  }

  async add(clientId: string, mutation: QueuedMutation): Promise<void> {
    const db = await this.open();
    const tx = db.transaction([META, PENDING], 'readwrite');
    const meta = (await request(tx.objectStore(META).get('queue'))) as { clientId: string } | undefined;
    // Another client id's queue is not this one's.
    if (meta && meta.clientId !== clientId) tx.objectStore(PENDING).clear();
    tx.objectStore(META).put({ clientId, lastMutationId: mutation.mutationId }, 'queue');
    tx.objectStore(PENDING).put(mutation);
    await done(tx);
  }

  async remove(mutationId: number): Promise<void> {
    const db = await this.open();
    const tx = db.transaction([PENDING], 'readwrite');
    tx.objectStore(PENDING).delete(mutationId);
    await done(tx);
  }

  private open(): Promise<IdbDatabase> {
    const factory = this.factory;
    if (!factory) return Promise.reject(new Error('IndexedDbMutationQueueStore: no indexedDB here'));
    return (this.db ??= new Promise<IdbDatabase>((resolve, reject) => {
      const opening = factory.open(this.name, 1);
      opening.onupgradeneeded = () => {
        const db = opening.result;
        if (!db.objectStoreNames.contains(META)) db.createObjectStore(META);
        if (!db.objectStoreNames.contains(PENDING)) db.createObjectStore(PENDING, { keyPath: 'mutationId' });
      };
      opening.onsuccess = () => resolve(opening.result);
      opening.onerror = () => reject(opening.error as Error);
    }));
  }
}

function request<T>(req: IdbRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error as Error);
  });
}

function done(tx: IdbTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error as Error);
    tx.onabort = () => reject((tx.error as Error | null) ?? new Error('IndexedDB transaction aborted'));
  });
}
