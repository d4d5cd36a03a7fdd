import { resolve } from 'node:path';
import { open, type Key, type RootDatabase } from 'lmdb';
import type { StreamSummary } from '../../interfaces/stream-payloads.interface';
import { StreamsConflictError, StreamsIdempotencyError } from '../../errors/streams.errors';
import { applyUpdateOps, type ItemChange, type ItemVersion, type StreamChangeEvent, type UpdateOpError, type UpdateOpsOutcome } from 'nest-realtime-streams-protocol';
import { setChange, updateChange } from '../delta/item-change';
import type { HistoryLimits } from '../history/group-log';
import { DEFAULT_HISTORY } from '../history/history.defaults';
import { LocalEventLog, type Reservation } from '../history/local-event-log';
import { IdempotencyLedger, type LedgerRun } from '../idempotency/idempotency.ledger';
import { DEFAULT_IDEMPOTENCY, type IdempotencyLimits, type IdempotentWrite, type Replayed, replayed } from '../idempotency/idempotent-write';
import { conditionConflict, type ItemWriteOptions, UNVERSIONED, type VersionedValue, type WriteConflict } from '../item-write.condition';
import {
  type ExpiryListener,
  type AdapterDeleteOutcome,
  type AdapterSetOutcome,
  type AdapterUpdateOutcome,
  StreamAdapter,
  type StreamEnvelope,
  type StreamMessage,
  type StreamPosition,
  type StreamReplay,
  type StreamSnapshot,
  type StreamSink,
  type Unwatch,
  type VersionsRead,
} from '../stream-adapter.interface';
import type { FileAdapterOptions } from './file-adapter.options';
import { commitFailure } from './file-commit.failure';
import { FileLedgerStorage, type FileRecordRef } from './file-idempotency.storage';
import { DirectoryLock } from './file-directory.lock';
import { checkDataFile, checkFormatMarker, prepareDirectory } from './file-store.format';
import { expiryKeyNames, groupKeyNames, insertionKeyItem, storeKeys } from './file-store.keys';
import { FileMutationLedger } from '../mutation-ledger/file-mutation.ledger';
import type { MutationLedgerLimits } from '../mutation-ledger/mutation.ledger';
import { DEFAULT_EXPIRY, type ExpiryLimits, expired, expiresAt, startSweeps } from '../expiry/item-expiry';

type Store = RootDatabase<string, Key>;

/** Group index record: how many items the group holds and the insertion number the next new item gets. */
interface GroupRecord {
  count: number;
  next: number;
}

/** An item's index record (`k`): its insertion number, version and expiry if any; format 1 stored the number alone. */
type ItemRecord = [insertion: number, version: string, expiresAt?: number] | number;

interface StoredItem {
  insertion: number;
  text: string;
  version: string;
  expiresAt?: number;
}

type ItemWrite =
  | { conflict: WriteConflict }
  | { conflict?: undefined; oldText: string | undefined; text: string; errors: UpdateOpError[]; reservation: Reservation; change: ItemChange | undefined };

type ItemRemoval = { conflict: WriteConflict } | { conflict?: undefined; oldText: string; reservation: Reservation };

/** Reserves the position of the event the job will emit (LocalEventLog.reserve), given back if the job fails. */
type Reserve = () => Reservation;

/**
 * A job's work under an idempotency key: what it did, the recorded result of the same call, or the key's
 * refusal (returned, not thrown: a throw would reach the caller as a store failure).
 */
type Once<T> = LedgerRun<T> | { refused: StreamsIdempotencyError };

/**
 * Durable adapter on LMDB (docs/reference/file-adapter.md). LMDB is the only copy of the data: reads go straight to
 * its memory map (microseconds, no JS-heap mirror to rebuild on start), so memory stays flat however much
 * is stored.
 *
 * Every write, `publish`, `snapshot` and `position` is a job run inside an LMDB child transaction. LMDB
 * runs the jobs one after another in call order, batching all the jobs pending at once into one commit,
 * so a job reads the effect of every earlier job and a read-modify-write (`update`) is atomic. A job that
 * throws leaves nothing behind. A job's timestamp comes from its group's clock when the job is queued (in
 * call order, so in transaction order per group); the job records the highest timestamp given so far as
 * the clocks' high-water mark in its commit, so timestamps never go back across a restart.
 *
 * Only after the commit is a job released: its `seq` is taken, its frame delivered and its promise
 * resolved, in transaction order. A failed commit rejects its jobs and publishes nothing. A snapshot is
 * released in the same order, so its `seq` counts exactly the events its data contains.
 */
export class FileStreamAdapter extends StreamAdapter {
  /** Positions, recent events and clocks live in the process: a restart starts new epochs (clients re-sync). */
  private readonly events: LocalEventLog;
  /** Idempotency records, in the store: each recorded in its write's transaction. */
  private readonly ledger: IdempotencyLedger<FileRecordRef>;
  private readonly records: FileLedgerStorage;
  /** Settles once the last job queued so far is released: each release waits for the one before it. */
  private lastRelease: Promise<unknown> = Promise.resolve();
  private closing: Promise<void> | null = null;
  private readonly stopSweeps: () => Promise<void>;
  private expiryListener: ExpiryListener = () => undefined;

  private constructor(
    private readonly dir: string,
    private readonly db: Store,
    private readonly lock: DirectoryLock,
    /** The last timestamp persisted before this open: every new one passes it. */
    lastTimestamp: number,
    history: HistoryLimits,
    idempotency: IdempotencyLimits,
    private readonly expiry: ExpiryLimits,
  ) {
    super();
    this.events = new LocalEventLog({ history, floor: lastTimestamp, hasItems: (stream, group) => this.hasItems(stream, group) });
    this.records = new FileLedgerStorage(db);
    this.ledger = new IdempotencyLedger(this.records, idempotency);
    this.stopSweeps = startSweeps(expiry, () => this.sweepExpired());
  }

  /** The groups holding position and history state in this process, sorted (freed once idle; see LocalEventLog). */
  heldGroups(): string[] {
    return this.events.held();
  }

  /** Opens (or creates) the store in `options.path`; rejects with an error naming the path if it cannot be used. */
  static async open(
    options: FileAdapterOptions,
    history: HistoryLimits = DEFAULT_HISTORY,
    idempotency: IdempotencyLimits = DEFAULT_IDEMPOTENCY,
    expiry: ExpiryLimits = DEFAULT_EXPIRY,
  ): Promise<FileStreamAdapter> {
    const dir = resolve(options.path);
    prepareDirectory(dir);
    const lock = DirectoryLock.acquire(dir);
    let db: Store | undefined;
    try {
      checkDataFile(dir);
      db = openStore(dir, options);
      await checkFormatMarker(db, dir);
      const lastTimestamp = Number(db.get(storeKeys.clock) ?? 0);
      return new FileStreamAdapter(dir, db, lock, lastTimestamp, history, idempotency, expiry);
    } catch (error) {
      try {
        await db?.close();
      } finally {
        lock.release();
      }
      throw error;
    }
  }

  async get(stream: string, group: string, item: string): Promise<unknown> {
    return this.read(() => this.itemValue(stream, group, item));
  }

  async getVersioned(stream: string, group: string, item: string): Promise<VersionedValue> {
    return this.read(() => {
      const found = this.findItem(stream, group, item);
      return found ? { value: JSON.parse(found.text) as unknown, version: found.version } : { value: null, version: null };
    });
  }

  async set(stream: string, group: string, item: string, data: unknown, options: ItemWriteOptions = {}): Promise<AdapterSetOutcome> {
    const { errors: _none, ...outcome } = await this.writeItem(stream, group, item, options, (current, _exists, base) => ({
      value: data,
      errors: [],
      change: setChange(base, current, data),
    }));
    return outcome;
  }

  async update(stream: string, group: string, item: string, ops: readonly unknown[], options: ItemWriteOptions = {}): Promise<AdapterUpdateOutcome> {
    return this.writeItem(stream, group, item, options, (current, exists, base) => {
      const outcome = applyUpdateOps(current, exists, ops);
      return { ...outcome, change: updateChange(base, ops, outcome.errors) };
    });
  }

  async delete(stream: string, group: string, item: string, options: ItemWriteOptions = {}): Promise<AdapterDeleteOutcome> {
    const write = options.idempotency;
    return this.stamped(
      stream,
      group,
      (reserve) =>
        this.once(
          stream,
          group,
          write,
          (): ItemRemoval | null => {
            const found = this.findItem(stream, group, item);
            const conflict = conditionConflict(options.condition, found?.version ?? null);
            if (conflict) return { conflict };
            if (!found) return null;
            this.removeFromGroup(stream, group, item, found);
            return { oldText: found.text, reservation: reserve() };
          },
          (done) => (done?.conflict ? null : `{"old_value":${done?.oldText ?? 'null'},"version":${JSON.stringify(done?.reservation.version ?? null)}}`),
        ),
      (once, timestamp) =>
        settle(once, (done): AdapterDeleteOutcome => {
          if (done === null) return { old_value: null, version: null, envelope: null };
          if (done.conflict) throw new StreamsConflictError(done.conflict.code, done.conflict.version);
          const event = { type: 'delete' as const, data: JSON.parse(done.oldText) };
          return {
            old_value: JSON.parse(done.oldText) as unknown,
            version: done.reservation.version,
            envelope: this.emit({ streamName: stream, groupId: group, id: item, event }, timestamp, done.reservation, write),
          };
        }),
    );
  }

  async list(stream: string, group: string): Promise<unknown[]> {
    return this.read(() => this.values(stream, group));
  }

  async listGroups(stream: string): Promise<string[]> {
    return this.read(() => Array.from(this.db.getKeys(storeKeys.groupsOf(stream)), (key) => groupKeyNames(key).group).sort());
  }

  async listAll(): Promise<StreamSummary[]> {
    return this.read(() => {
      // The group index only: no item is read.
      const streams = new Map<string, string[]>();
      for (const key of this.db.getKeys(storeKeys.allGroups)) {
        const { stream, group } = groupKeyNames(key);
        const groups = streams.get(stream);
        if (groups) groups.push(group);
        else streams.set(stream, [group]);
      }
      return Array.from(streams, ([id, groups]) => ({ id, groups: groups.sort() })).sort((a, b) => (a.id < b.id ? -1 : 1));
    });
  }

  async publish(message: StreamMessage, idempotency?: IdempotentWrite): Promise<StreamEnvelope | null> {
    const { streamName, groupId } = message;
    return this.stamped(
      streamName,
      groupId,
      (reserve) => this.once(streamName, groupId, idempotency, reserve, () => '{}'),
      // A replayed send answers null: there is no result to give back but "nothing was published".
      (once, timestamp) => ('replay' in once ? null : settle(once, (reservation) => this.emit(message, timestamp, reservation, idempotency))),
    );
  }

  async snapshot(stream: string, group: string, item: string | null, versions = false): Promise<StreamSnapshot> {
    return this.stamped(
      stream,
      group,
      (): Pick<StreamSnapshot, 'data' | 'items' | 'version'> => {
        if (item === null) return versions ? this.versionedValues(stream, group) : { data: this.values(stream, group) };
        if (!versions) return { data: this.itemValue(stream, group, item) };
        const found = this.findItem(stream, group, item);
        return found ? { data: JSON.parse(found.text) as unknown, version: found.version } : { data: null, version: null };
      },
      (read, timestamp) => ({ ...read, timestamp, ...this.events.position(stream, group) }),
      true,
    );
  }

  async position(stream: string, group: string): Promise<StreamPosition> {
    // A group without state has had no event in this process: its position is read without creating any.
    if (!this.events.has(stream, group)) return this.read(() => this.events.idlePosition());
    return this.stamped(
      stream,
      group,
      () => null,
      (_, timestamp) => ({ ...this.events.position(stream, group), timestamp }),
      true,
    );
  }

  override async history(stream: string, group: string, epoch: string, seq: number, versions?: VersionsRead): Promise<StreamReplay | null> {
    // Without state there is no history: the epoch cannot be current.
    if (!this.events.has(stream, group)) return null;
    return this.stamped(
      stream,
      group,
      () => (versions ? this.versions(stream, group, versions) : {}),
      (read, timestamp) => {
        const envelopes = this.events.after(stream, group, epoch, seq, timestamp);
        return envelopes && { envelopes, position: { ...this.events.position(stream, group), timestamp }, ...read };
      },
      true,
    );
  }

  /** What a delta subscription's answer carries: the group's item ids and versions, or the item's version. */
  private versions(stream: string, group: string, { item }: VersionsRead): Pick<StreamSnapshot, 'items' | 'version'> {
    if (item !== null) return { version: this.findItem(stream, group, item)?.version ?? null };
    // From the items' index records alone: no value is read.
    const now = Date.now();
    const items: ItemVersion[] = [];
    for (const { key, value } of this.db.getRange(storeKeys.insertionsOf(stream, group))) {
      const record = JSON.parse(value) as ItemRecord;
      if (typeof record !== 'number' && record[2] !== undefined && expired(record[2], now)) continue;
      items.push({ id: insertionKeyItem(key), version: typeof record === 'number' ? UNVERSIONED : record[1] });
    }
    return { items };
  }

  attach(sink: StreamSink): void {
    this.events.attach(sink);
  }

  onExpire(listener: ExpiryListener): void {
    this.expiryListener = listener;
  }

  /** Deletes the items due among the `batch` earliest expiry records, each in its own job (checked again there). */
  async sweepExpired(): Promise<number> {
    if (this.closing) return 0;
    const due = await this.read(() => Array.from(this.db.getKeys({ ...storeKeys.expiry.dueBy(Date.now()), limit: this.expiry.batch }), expiryKeyNames));
    const deleted = await Promise.all(due.map((entry) => this.expire(entry)));
    return deleted.filter(Boolean).length;
  }

  /** Deletes an item if it still expires at `at`, publishing its `delete` and telling the expiry listener. */
  private expire({ at, stream, group, item }: { at: number; stream: string; group: string; item: string }): Promise<boolean> {
    return this.stamped(
      stream,
      group,
      (reserve) => {
        const found = this.findItem(stream, group, item, true);
        if (found?.expiresAt !== at) {
          // Its item was rewritten or deleted since the scan (which removed the record): nothing to expire.
          // Removed anyway, so a record that somehow outlived its item cannot take a place in every sweep.
          this.db.removeSync(storeKeys.expiry.due(at, stream, group, item));
          return null;
        }
        this.removeFromGroup(stream, group, item, found);
        return { oldText: found.text, reservation: reserve() };
      },
      (done, timestamp) => {
        if (!done) return false;
        const event = { type: 'delete' as const, data: JSON.parse(done.oldText) };
        this.expiryListener(this.emit({ streamName: stream, groupId: group, id: item, event }, timestamp, done.reservation, undefined));
        return true;
      },
    );
  }

  /** Clients' mutations kept in the store with the items, so a restart forgets none (SPEC §11). */
  override mutationLedger(limits: MutationLedgerLimits): FileMutationLedger {
    return new FileMutationLedger(this.db, limits);
  }

  async watch(stream: string, group: string): Promise<Unwatch> {
    this.assertOpen();
    return this.events.watch(stream, group);
  }

  async ping(): Promise<void> {
    await this.read(() => this.db.get(storeKeys.format));
  }

  /** Waits for the jobs already queued, then releases the store and its lock. Later calls reject. */
  async close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    await this.stopSweeps();
    try {
      await this.lastRelease;
      this.events.clear();
      await this.db.close();
    } finally {
      this.lock.release();
    }
  }

  /**
   * Checks the condition, then stores the value and, in its index record, the item's version: the position
   * its event will take once released, reserved here, in transaction order.
   */
  private writeItem(
    stream: string,
    group: string,
    item: string,
    options: ItemWriteOptions,
    next: (current: unknown, exists: boolean, base: string | undefined) => UpdateOpsOutcome & { change: ItemChange | undefined },
  ): Promise<AdapterUpdateOutcome> {
    const write = options.idempotency;
    return this.stamped(
      stream,
      group,
      (reserve) =>
        this.once(
          stream,
          group,
          write,
          (): ItemWrite => {
            // An expired item not swept yet is missing to the write, which takes over its place.
            const stored = this.findItem(stream, group, item, true);
            const found = stored && !expired(stored.expiresAt) ? stored : undefined;
            const conflict = conditionConflict(options.condition, found?.version ?? null);
            if (conflict) return { conflict };
            const { value, errors, change } = next(found ? JSON.parse(found.text) : null, found !== undefined, found?.version);
            const text = toJson(value);
            const insertion = stored?.insertion ?? this.addToGroup(stream, group);
            const reservation = reserve();
            const at = expiresAt(options.ttlMs);
            this.db.putSync(storeKeys.value(stream, group, insertion), text);
            this.db.putSync(storeKeys.insertion(stream, group, item), JSON.stringify((at === undefined ? [insertion, reservation.version] : [insertion, reservation.version, at]) satisfies ItemRecord));
            this.unscheduleExpiry(stream, group, item, stored);
            if (at !== undefined) {
              this.db.putSync(storeKeys.expiry.due(at, stream, group, item), '');
              this.db.putSync(storeKeys.expiry.ofItem(stream, group, item), JSON.stringify([at, insertion]));
            }
            return { oldText: found?.text, text, errors, reservation, change };
          },
          (done) =>
            done.conflict
              ? null
              : `{"old_value":${done.oldText ?? 'null'},"new_value":${done.text},"errors":${JSON.stringify(done.errors)},"version":${JSON.stringify(done.reservation.version)}}`,
        ),
      (once, timestamp) =>
        settle(once, (done): AdapterUpdateOutcome => {
          if (done.conflict) throw new StreamsConflictError(done.conflict.code, done.conflict.version);
          const event: StreamChangeEvent = { type: done.oldText === undefined ? 'create' : 'update', data: JSON.parse(done.text) };
          return {
            old_value: done.oldText === undefined ? null : (JSON.parse(done.oldText) as unknown),
            new_value: JSON.parse(done.text) as unknown,
            errors: done.errors,
            version: done.reservation.version,
            envelope: this.emit({ streamName: stream, groupId: group, id: item, event }, timestamp, done.reservation, write, done.change),
          };
        }),
    );
  }

  /**
   * Runs a job's work once per idempotency key, in its transaction: the recorded result when the key has
   * one (nothing written), else the work, whose result (null: refused, nothing recorded) is recorded with it.
   */
  private once<T>(stream: string, group: string, write: IdempotentWrite | undefined, work: () => T, result: (done: T) => string | null): Once<T> {
    try {
      return this.ledger.run(stream, group, write, work, result);
    } catch (error) {
      if (error instanceof StreamsIdempotencyError) return { refused: error };
      throw error;
    }
  }

  /**
   * A job of one group with the group's next timestamp (taken in call order, waiting while the group's
   * clock is at its lead cap; a `read` takes a read timestamp, see GroupClock), its commit recording the
   * clocks' high-water mark. A job that emits reserves its event's position in its work (`reserve`); if
   * the job then fails, the reservation is given back in release order.
   */
  private async stamped<T, R>(stream: string, group: string, work: (reserve: Reserve) => T, release: (done: T, timestamp: number) => R, read = false): Promise<R> {
    let reserved = false;
    const reserve = (): Reservation => {
      reserved = true;
      return this.events.reserve(stream, group);
    };
    return this.events.stamp(
      stream,
      group,
      (timestamp) =>
        this.transact(
          () => {
            this.db.putSync(storeKeys.clock, String(this.events.latest));
            return work(reserve);
          },
          (done) => release(done, timestamp),
          () => reserved && this.events.cancel(stream, group),
        ),
      read,
    );
  }

  /**
   * Runs `work` in a child transaction (in call order, batched with whatever else is pending), then, once
   * the commit succeeded and every earlier job was released, runs `release`. Releases are chained
   * explicitly so their order never depends on how many promise hops each caller's path has.
   */
  private transact<T, R>(work: () => T, release: (done: T) => R, failed: () => void): Promise<R> {
    let committed: Promise<T>;
    try {
      if (this.closing) throw new Error('the store is closed');
      committed = this.db.childTransaction(work);
    } catch (error) {
      committed = Promise.reject(error);
    }
    // A failed commit's cause must be taken at once (see commitFailure), and the records' index may count
    // what was rolled back. The outcome is handled below once the previous release settles; the empty catch
    // only keeps Node from reporting it meanwhile.
    const outcome = committed.catch(async (error: unknown) => {
      this.records.forget();
      return Promise.reject(await commitFailure(error));
    });
    outcome.catch(() => undefined);
    const released = this.lastRelease.then(() =>
      outcome.then(release, (error: unknown) => {
        failed();
        return Promise.reject(this.failure(error));
      }),
    );
    this.lastRelease = released.catch(() => undefined);
    return released;
  }

  private async read<T>(work: () => T): Promise<T> {
    try {
      this.assertOpen();
      return work();
    } catch (error) {
      throw this.failure(error);
    }
  }

  private assertOpen(): void {
    if (this.closing) throw new Error('the store is closed');
  }

  private failure(error: unknown): Error {
    const message = error instanceof Error ? error.message : String(error);
    return new Error(`File stream store ${this.dir}: ${message}`, { cause: error });
  }

  private emit(message: StreamMessage, timestamp: number, reservation: Reservation, write: IdempotentWrite | undefined, change?: ItemChange): StreamEnvelope {
    return this.events.emit(message, timestamp, reservation, write?.key, change);
  }

  /** The item, unless missing or (without `withExpired`) expired: an expired item reads as missing before the sweep deletes it. */
  private findItem(stream: string, group: string, item: string, withExpired = false): StoredItem | undefined {
    const record = this.readJson<ItemRecord>(storeKeys.insertion(stream, group, item));
    if (record === undefined) return undefined;
    const [insertion, version, at] = typeof record === 'number' ? [record, UNVERSIONED] : record;
    if (!withExpired && expired(at)) return undefined;
    const text = this.db.get(storeKeys.value(stream, group, insertion));
    return text === undefined ? undefined : { insertion, text, version, expiresAt: at };
  }

  /** Drops the item's expiry records, if it had an expiry. */
  private unscheduleExpiry(stream: string, group: string, item: string, stored: StoredItem | undefined): void {
    if (stored?.expiresAt === undefined) return;
    this.db.removeSync(storeKeys.expiry.due(stored.expiresAt, stream, group, item));
    this.db.removeSync(storeKeys.expiry.ofItem(stream, group, item));
  }

  /** Whether the group holds items (the sweep keeps such groups' state); read failures count as yes. */
  private hasItems(stream: string, group: string): boolean {
    try {
      return this.db.get(storeKeys.group(stream, group)) !== undefined;
    } catch {
      return true;
    }
  }

  private itemValue(stream: string, group: string, item: string): unknown {
    const found = this.findItem(stream, group, item);
    return found ? (JSON.parse(found.text) as unknown) : null;
  }

  /** The group's values, in insertion order, without its expired items (a group without TTLs costs one empty range probe). */
  private values(stream: string, group: string): unknown[] {
    return this.liveValues(stream, group).map(({ value }) => JSON.parse(value) as unknown);
  }

  /** The group's values with each item's id and version (from the items' index records), in insertion order. */
  private versionedValues(stream: string, group: string): { data: unknown[]; items: ItemVersion[] } {
    const byInsertion = new Map<number, ItemVersion>();
    for (const { key, value } of this.db.getRange(storeKeys.insertionsOf(stream, group))) {
      const record = JSON.parse(value) as ItemRecord;
      const [insertion, version] = typeof record === 'number' ? [record, UNVERSIONED] : record;
      byInsertion.set(insertion, { id: insertionKeyItem(key), version });
    }
    const data: unknown[] = [];
    const items: ItemVersion[] = [];
    for (const { key, value } of this.liveValues(stream, group)) {
      const entry = byInsertion.get(insertionOf(key));
      if (!entry) continue;
      data.push(JSON.parse(value));
      items.push(entry);
    }
    return { data, items };
  }

  private liveValues(stream: string, group: string): { key: Key; value: string }[] {
    const now = Date.now();
    const gone = new Set<number>();
    for (const { value } of this.db.getRange(storeKeys.expiry.ofGroup(stream, group))) {
      const [at, insertion] = JSON.parse(value) as [number, number];
      if (expired(at, now)) gone.add(insertion);
    }
    return Array.from(this.db.getRange(storeKeys.valuesOf(stream, group))).filter(({ key }) => !gone.has(insertionOf(key)));
  }

  /** Counts a new item in its group's index (created on first item) and returns its insertion number. */
  private addToGroup(stream: string, group: string): number {
    const key = storeKeys.group(stream, group);
    const record = this.readJson<GroupRecord>(key) ?? { count: 0, next: 0 };
    this.db.putSync(key, JSON.stringify({ count: record.count + 1, next: record.next + 1 }));
    return record.next;
  }

  /** Removes an item; a group left empty leaves the index, so listings skip it as they do on Redis. */
  private removeFromGroup(stream: string, group: string, item: string, stored: StoredItem): void {
    const { insertion } = stored;
    this.unscheduleExpiry(stream, group, item, stored);
    this.db.removeSync(storeKeys.value(stream, group, insertion));
    this.db.removeSync(storeKeys.insertion(stream, group, item));
    const key = storeKeys.group(stream, group);
    const record = this.readJson<GroupRecord>(key);
    if (!record || record.count <= 1) this.db.removeSync(key);
    else this.db.putSync(key, JSON.stringify({ count: record.count - 1, next: record.next }));
  }

  private readJson<T>(key: Key): T | undefined {
    const text = this.db.get(key);
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }
}

function openStore(dir: string, options: FileAdapterOptions): Store {
  try {
    return open<string, Key>({
      path: dir,
      // A path with a dot would otherwise be taken for a single-file store.
      noSubdir: false,
      // Values are JSON text we encode ourselves, so what is stored is exactly what a read returns.
      encoding: 'string',
      // With overlappingSync a commit resolves once written, its fsync running in the background; without
      // it, the commit resolves only after the fsync.
      overlappingSync: (options.durability ?? 'commit') === 'commit',
      // Event-turn batching adds a write of its own to each batch whose commit promise nobody can reach: a
      // failed commit (full disk, I/O error) then rejects it unhandled, which ends the process. Without it,
      // the jobs pending at once still share one commit (measured: the same throughput).
      eventTurnBatching: false,
    });
  } catch (error) {
    throw new Error(`File stream store ${dir} could not be opened: ${(error as Error).message}`, { cause: error });
  }
}

/** Releases a job's work done under a key: the key's refusal thrown, a replay answered with the recorded result. */
function settle<T, R>(once: Once<T>, release: (done: T) => R): R | Replayed<R> {
  if ('refused' in once) throw once.refused;
  if ('replay' in once) return replayed<R>(once.replay);
  return release(once.done);
}

function toJson(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError('the value is not JSON-serialisable');
  return text;
}

/** The insertion number of a value key (`storeKeys.value`). */
function insertionOf(key: Key): number {
  return (key as [string, string, string, number])[3];
}
