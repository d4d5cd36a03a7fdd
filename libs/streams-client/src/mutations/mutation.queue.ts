import type { MutateMessage, MutationError, MutationFrame, MutationWrite } from 'nest-realtime-streams-protocol';
import { runtime } from '../runtime/globals';
import { type MutationQueueStore, type QueuedMutation } from './mutation-queue.store';
import { MutationRejectedError } from './mutation-rejected.error';
import { applyOptimistic, groupKey, type OptimisticChange } from './optimistic.change';

/** What the queue needs of the client: its socket, its mirrors' positions, and who to tell of changes. */
export interface MutationPort {
  /** Sends on the open socket; false when there is none. */
  send(message: MutateMessage): boolean;
  /** Where this client's mirror of the group is (null: not caught up yet); undefined when it mirrors no such group. */
  position(streamName: string, groupId: string): string | null | undefined;
  /** The optimistic view of these groups (keys of `groupKey`) changed, or the pending count did. */
  changed(groups: string[]): void;
  /** A mutation was answered for good (also one restored from the store, which has no promise). */
  settled(outcome: MutationOutcome): void;
  /** The store failed to load (the client reports it as an `error` event). */
  failed(message: string): void;
}

export type MutationOutcome =
  | { mutationId: number; name: string; status: 'ok'; result?: unknown; position?: string }
  | { mutationId: number; name: string; status: 'rejected'; error: MutationError };

/** What `mutate()` resolves with. */
export interface MutationResult<R = unknown> {
  mutationId: number;
  /** What the handler returned. */
  result: R | undefined;
  /** Position of the handler's last write (absent when it wrote nothing). */
  position?: string;
}

interface Entry extends QueuedMutation {
  /** `waiting`: sent or to send, no final answer; `settling`: applied, its layer stays until the mirrors hold its writes. */
  state: 'waiting' | 'settling';
  /** The socket generation it was last sent on (0: never). */
  sentOn: number;
  stored: boolean;
  waits: MutationWrite[];
  promise: { resolve(result: MutationResult): void; reject(error: Error): void } | null;
}

/** Pause before re-sending after a refusal that asked for it (`retry`): doubles up to the cap, reset by any ok. */
const RESEND_FIRST_MS = 50;
const RESEND_MAX_MS = 5000;

/**
 * The client's mutations in id order, from `mutate()` until the server state that includes them has arrived.
 * Each keeps its optimistic layer: a group's view is its mirror with every pending layer applied in order,
 * recomputed from the mirror on each read, so server events rebase the layers by construction. A mutation is
 * stored before it is sent, sent again on every new socket until answered, and answered exactly once by the
 * server's ledger; an ok one's layer is dropped once each mirror it wrote to has reached its position, a
 * rejected one's at once (rollback).
 */
export class MutationQueue {
  private clientId = '';
  private lastId = 0;
  private readonly entries: Entry[] = [];
  private loaded = false;
  private readonly ready: Promise<void>;
  /** Stores run one after another, so mutations are stored, hence sent, in id order. */
  private storing: Promise<void> = Promise.resolve();
  private generation = 0;
  private open = false;
  private resendTimer: unknown = null;
  private resendDelay = RESEND_FIRST_MS;

  constructor(
    private readonly store: MutationQueueStore,
    private readonly port: MutationPort,
    clientId: string | undefined,
  ) {
    this.ready = store.load().then(
      (saved) => {
        this.clientId = clientId ?? saved?.clientId ?? randomClientId();
        if (saved && saved.clientId === this.clientId) {
          this.lastId = Math.max(this.lastId, saved.lastMutationId);
          for (const m of saved.pending) this.entries.push({ ...m, state: 'waiting', sentOn: 0, stored: true, waits: [], promise: null });
        }
        this.loaded = true;
        this.port.changed(this.groupsOf(this.entries));
        this.flush();
      },
      (error: unknown) => {
        // No saved queue to go on from: a fresh client id (a given one may have applied ids the store knew of).
        this.clientId = randomClientId();
        this.loaded = true;
        this.port.failed(`the mutation queue could not be loaded (${String(error)}); starting a new one`);
      },
    );
  }

  /** Mutations not yet settled: waiting for an answer, or applied and waiting for the state that includes them. */
  get pending(): number {
    return this.entries.length;
  }

  /** The client id the server's ledger knows this client by (available once the store has loaded). */
  get id(): string {
    return this.clientId;
  }

  /** Queues a mutation; its optimistic layer shows at once (once the store has loaded). */
  async mutate(name: string, args: unknown, optimistic: OptimisticChange[]): Promise<MutationResult> {
    if (!this.loaded) await this.ready;
    const entry: Entry = { mutationId: ++this.lastId, name, args: args ?? null, optimistic, state: 'waiting', sentOn: 0, stored: false, waits: [], promise: null };
    const result = new Promise<MutationResult>((resolve, reject) => (entry.promise = { resolve, reject }));
    this.entries.push(entry);
    this.port.changed(this.groupsOf([entry]));
    const { mutationId } = entry;
    const saved: QueuedMutation = { mutationId, name, args: entry.args, optimistic };
    this.storing = this.storing.then(() => this.store.add(this.clientId, saved)).then(
      () => {
        entry.stored = true;
        this.flush();
      },
      (error: unknown) => this.finish(entry, { status: 'rejected', error: { code: 'failed', message: `the mutation could not be stored: ${String(error)}` } }),
    );
    return result;
  }

  /** A socket opened: everything unanswered goes out again, in order. */
  opened(): void {
    this.open = true;
    this.generation++;
    this.flush();
  }

  closed(): void {
    this.open = false;
  }

  answered(frame: MutationFrame): void {
    const entry = this.entries.find((e) => e.mutationId === frame.mutationId && e.state === 'waiting');
    if (!entry) return; // a duplicate answer (a re-send crossed the first answer)
    if (frame.status === 'rejected' && frame.error?.retry) return this.resendLater();
    this.resendDelay = RESEND_FIRST_MS;
    this.finish(entry, frame.status === 'ok' ? { status: 'ok', result: frame.result, position: frame.position, writes: frame.writes ?? [] } : { status: 'rejected', error: frame.error! });
  }

  /** A mirror of this group moved: layers waiting for it may go. */
  mirrorMoved(streamName: string, groupId: string): void {
    for (const entry of [...this.entries]) {
      if (entry.state === 'settling' && entry.waits.some((w) => w.streamName === streamName && w.groupId === groupId)) this.trySettle(entry);
    }
  }

  /** The group's items with every pending layer on top, in id order; the mirror itself when none touches it. */
  view<T>(streamName: string, groupId: string, base: ReadonlyMap<string, T>): ReadonlyMap<string, T> {
    const changes = this.entries.flatMap((e) => e.optimistic.filter((c) => c.streamName === streamName && c.groupId === groupId));
    if (changes.length === 0) return base;
    const view = new Map<string, T>(base);
    for (const change of changes) {
      const value = applyOptimistic(change, view.get(change.itemId));
      if (value === undefined) view.delete(change.itemId);
      else view.set(change.itemId, value as T);
    }
    return view;
  }

  /** Whether a pending mutation touches this item ("saving…"). */
  isPending(streamName: string, groupId: string, itemId: string): boolean {
    return this.entries.some((e) => e.optimistic.some((c) => c.streamName === streamName && c.groupId === groupId && c.itemId === itemId));
  }

  /** The client closed: promises end (the store keeps the queue for the next client with this id). */
  dispose(): void {
    if (this.resendTimer !== null) runtime.clearTimeout(this.resendTimer);
    this.resendTimer = null;
    this.open = false;
    for (const entry of this.entries) entry.promise?.reject(new Error('StreamsClient closed before the mutation was answered'));
    this.entries.length = 0;
  }

  private finish(entry: Entry, outcome: { status: 'ok'; result: unknown; position?: string; writes: MutationWrite[] } | { status: 'rejected'; error: MutationError }): void {
    const { mutationId, name } = entry;
    this.storing = this.storing.then(() => this.store.remove(mutationId)).catch(() => undefined);
    if (outcome.status === 'rejected') {
      this.drop(entry);
      entry.promise?.reject(new MutationRejectedError(mutationId, outcome.error));
      this.port.settled({ mutationId, name, status: 'rejected', error: outcome.error });
      return;
    }
    entry.state = 'settling';
    entry.waits = outcome.writes;
    entry.promise?.resolve({ mutationId, result: outcome.result, ...(outcome.position !== undefined && { position: outcome.position }) });
    this.port.settled({ mutationId, name, status: 'ok', result: outcome.result, ...(outcome.position !== undefined && { position: outcome.position }) });
    this.trySettle(entry);
  }

  private trySettle(entry: Entry): void {
    if (entry.waits.every((w) => reached(this.port.position(w.streamName, w.groupId), w.position))) this.drop(entry);
  }

  private drop(entry: Entry): void {
    const at = this.entries.indexOf(entry);
    if (at === -1) return;
    this.entries.splice(at, 1);
    this.port.changed(this.groupsOf([entry]));
  }

  /** Sends, in order, every stored mutation still waiting that this socket has not had yet. */
  private flush(): void {
    if (!this.open || !this.loaded) return;
    for (const entry of this.entries) {
      if (entry.state !== 'waiting' || entry.sentOn === this.generation) continue;
      if (!entry.stored) return; // later ones wait for it: ids go out in order
      const { mutationId, name, args } = entry;
      if (!this.port.send({ type: 'mutate', clientId: this.clientId, mutationId, name, args })) return;
      entry.sentOn = this.generation;
    }
  }

  /** The server asked for a re-send (out of order, busy, unavailable): everything unanswered goes again after a pause. */
  private resendLater(): void {
    if (this.resendTimer !== null) return;
    this.resendTimer = runtime.setTimeout(() => {
      this.resendTimer = null;
      this.generation++;
      this.flush();
    }, this.resendDelay);
    this.resendDelay = Math.min(this.resendDelay * 2, RESEND_MAX_MS);
  }

  private groupsOf(entries: Entry[]): string[] {
    return [...new Set(entries.flatMap((e) => e.optimistic.map((c) => groupKey(c.streamName, c.groupId))))];
  }
}

/**
 * Whether a mirror at `at` holds the write at `position`: same history epoch and a sequence at least as far;
 * another epoch means the mirror was re-synced from a newer history. No mirror of the group: nothing to wait for.
 */
function reached(at: string | null | undefined, position: string): boolean {
  if (at === undefined) return true;
  if (at === null) return false;
  const [epochA, seqA] = split(at);
  const [epochB, seqB] = split(position);
  return epochA !== epochB || seqA >= seqB;
}

function split(position: string): [string, number] {
  const colon = position.lastIndexOf(':');
  return [position.slice(0, colon), Number(position.slice(colon + 1))];
}

function randomClientId(): string {
  const crypto = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  return crypto?.randomUUID ? crypto.randomUUID() : `c-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}
