import { formatPosition, type ItemChange } from 'nest-realtime-streams-protocol';
import { groupKey } from '../../common/group.key';
import type { StreamEnvelope, StreamMessage, StreamSink, Unwatch } from '../stream-adapter.interface';
import { GroupClock } from './group-clock';
import { GroupLog, type HistoryLimits } from './group-log';

export interface LocalEventLogOptions {
  history: HistoryLimits;
  /** Whether the group holds items: its state is kept while it does. */
  hasItems(stream: string, group: string): boolean;
  /** A timestamp every group's clock starts past (the high-water mark persisted before a restart). */
  floor?: number;
}

/** The position a stored write's event will take, reserved before the write is stored (its version). */
export interface Reservation {
  seq: number;
  version: string;
}

/** Stamped work waiting for its group's clock: a read takes a read timestamp (see GroupClock). */
interface Waiting {
  read: boolean;
  run(timestamp: number): void;
}

/** Everything the process holds for one group: position, recent events, clock, work waiting for the clock. */
interface GroupState {
  stream: string;
  group: string;
  log: GroupLog;
  clock: GroupClock;
  /** Work waiting while the group's lead is at the cap, in call order; null when none. */
  waiting: Waiting[] | null;
  timer: NodeJS.Timeout | null;
  /** Stamped work whose promise has not settled yet (a file job before its commit is released). */
  busy: number;
  /** The highest seq reserved so far (at least `log.seq`), and how many reservations are not emitted or cancelled yet. */
  reserved: number;
  pending: number;
}

/** Until the module registers its sink: events of watched groups go nowhere. */
const NO_SINK: StreamSink = { deliver: () => undefined, continuityLost: () => undefined, presence: () => undefined, presenceLost: () => undefined };

/** Groups checked per sweep tick, so a sweep never stalls the event loop however many groups exist. */
const SWEEP_BATCH = 10_000;

/**
 * The in-process event side of the memory and file adapters: each group's position (epoch + seq), recent
 * events for resume, timestamps, and delivery of the watched groups' events to the sink.
 *
 * A group's state is created by its first event, snapshot or stamped read, and freed by a periodic sweep
 * once the group holds no items, is not watched, has no event left in its history window and its clock
 * has fallen behind the wall clock. A group created again later gets a new epoch (resuming clients
 * re-sync) and a clock that starts from the wall clock, which is then past every timestamp the old one gave.
 */
export class LocalEventLog {
  private readonly groups = new Map<string, GroupState>();
  /** Watched groups on this process, with how many watches each. */
  private readonly watched = new Map<string, number>();
  private sink = NO_SINK;
  private readonly sweeper: NodeJS.Timeout;
  private cursor: Iterator<[string, GroupState]> | null = null;
  /** The highest timestamp given to any group (the file adapter persists it). */
  latest: number;

  constructor(private readonly options: LocalEventLogOptions) {
    this.latest = options.floor ?? 0;
    const interval = Math.min(1000, Math.max(10, options.history.maxAgeMs / 2));
    this.sweeper = setInterval(() => this.sweep(Date.now()), interval).unref();
  }

  /** The groups the process holds state for, sorted (diagnostics and tests). */
  held(): string[] {
    return Array.from(this.groups.values(), (state) => state.group).sort();
  }

  has(stream: string, group: string): boolean {
    return this.groups.has(groupKey(stream, group));
  }

  /**
   * Runs `work` with the group's next timestamp: at once, or, while the group runs MAX_CLOCK_LEAD_MS ahead
   * of the wall clock, after the group's earlier waiting work, once the clock allows. Work on one group
   * therefore runs in call order; other groups never wait. A `read` (snapshot, position, resume) takes a
   * read timestamp: while one is reserved it runs at once, even ahead of waiting writes (they are all
   * stamped after it), and it never moves the clock.
   */
  stamp<T>(stream: string, group: string, work: (timestamp: number) => T, read = false): T | Promise<T> {
    const state = this.state(stream, group);
    const now = Date.now();
    if ((state.waiting === null || (read && state.clock.shared)) && state.clock.waitMs(now, read) === 0) {
      return this.run(state, work, this.tick(state, now, read));
    }
    return new Promise<T>((resolve, reject) => {
      const job: Waiting = {
        read,
        run: (timestamp) => {
          try {
            resolve(this.run(state, work, timestamp));
          } catch (error) {
            reject(error);
          }
        },
      };
      if (state.waiting) state.waiting.push(job);
      else {
        state.waiting = [job];
        this.schedule(state);
      }
    });
  }

  /** A position for a group with no state: nothing is created (a rejected join leaves nothing behind). */
  idlePosition(): { seq: number; timestamp: number } {
    // A freed clock's last stamp is at least 2 ms old and a new one starts at the wall clock, so `now - 1`
    // is after every timestamp the group had and before every one it will get.
    return { seq: 0, timestamp: Math.max(Date.now() - 1, this.options.floor ?? 0) };
  }

  /**
   * Reserves the position of an event before it is emitted, so a write can store it (as the item's version)
   * in the same step as the value. Emits of a group take their reservations in the order reserved; while
   * any is pending, every emit of the group must have one. A reservation is used by `emit` or given back by
   * `cancel` (a failed file commit): given back while later ones are pending, its seq is skipped instead.
   */
  reserve(stream: string, group: string): Reservation {
    const state = this.state(stream, group);
    state.reserved = Math.max(state.reserved, state.log.seq) + 1;
    state.pending++;
    return { seq: state.reserved, version: formatPosition(state.log.epoch, state.reserved) };
  }

  /** Gives a reservation back; the group's next reservation reuses its seq unless later ones are pending. */
  cancel(stream: string, group: string): void {
    const state = this.groups.get(groupKey(stream, group));
    if (!state) return;
    state.pending--;
    if (state.pending === 0) state.reserved = state.log.seq;
  }

  /**
   * Gives the message the next seq of its group (or the one reserved for it), keeps it, and delivers it to
   * the sink when the group is watched. `idempotencyKey`: the key of the write, kept with the event, as is
   * `change`, how the write changed its item.
   */
  emit(message: StreamMessage, timestamp: number, reservation?: Reservation, idempotencyKey?: string, change?: ItemChange): StreamEnvelope {
    const key = groupKey(message.streamName, message.groupId);
    const state = this.state(message.streamName, message.groupId, key);
    const { log } = state;
    if (reservation) {
      state.pending--;
      // Seqs reserved by writes that failed since: skipped, so the stored version is this event's position.
      if (reservation.seq > log.seq + 1) log.skipTo(reservation.seq - 1);
    }
    const frame = { type: 'stream' as const, timestamp, ...message };
    const seq = ++log.seq;
    let envelope: StreamEnvelope;
    if (this.options.history.size > 0) {
      const json = JSON.stringify(frame);
      log.append({ seq, timestamp, json, ...(idempotencyKey === undefined ? {} : { key: idempotencyKey }), ...withChange(change) });
      envelope = { frame, seq, epoch: log.epoch, json, ...withKey(idempotencyKey), ...withChange(change) };
    } else envelope = { frame, seq, epoch: log.epoch, ...withKey(idempotencyKey), ...withChange(change) };
    // Inside the write: the sink isolates its consumers, so the write (already kept) cannot fail here.
    if (this.watched.has(key)) this.sink.deliver(envelope);
    return envelope;
  }

  position(stream: string, group: string): { seq: number; epoch: string } {
    const { seq, epoch } = this.state(stream, group).log;
    return { seq, epoch };
  }

  /** Events after `seq` of history `epoch`, or null when they are not all kept (or the epoch is another). */
  after(stream: string, group: string, epoch: string, seq: number, now: number): StreamEnvelope[] | null {
    const log = this.groups.get(groupKey(stream, group))?.log;
    const events = log && log.epoch === epoch ? log.after(seq, now) : null;
    return events && events.map(({ seq, json, key, change }) => ({ frame: JSON.parse(json) as StreamEnvelope['frame'], seq, epoch, json, ...withKey(key), ...withChange(change) }));
  }

  attach(sink: StreamSink): void {
    this.sink = sink;
  }

  /** The group's events go to the sink until the returned function ends this watch (and every other). */
  watch(stream: string, group: string): Unwatch {
    const key = groupKey(stream, group);
    this.watched.set(key, (this.watched.get(key) ?? 0) + 1);
    let ended = false;
    return async () => {
      if (ended) return;
      ended = true;
      const count = this.watched.get(key)! - 1;
      if (count > 0) this.watched.set(key, count);
      else this.watched.delete(key);
    };
  }

  /** Stops sweeping and delivering; work still waiting for the clock runs now. */
  clear(): void {
    clearInterval(this.sweeper);
    this.cursor = null;
    this.watched.clear();
    this.sink = NO_SINK;
    for (const state of this.groups.values()) {
      if (!state.waiting) continue;
      clearTimeout(state.timer!);
      const jobs = state.waiting;
      state.waiting = state.timer = null;
      for (const job of jobs) job.run(this.tick(state, Date.now(), job.read));
    }
  }

  /** Runs stamped work, counting it as in flight until a promise it returns settles (the sweep waits). */
  private run<T>(state: GroupState, work: (timestamp: number) => T, timestamp: number): T {
    const result = work(timestamp);
    if (result instanceof Promise) {
      state.busy++;
      void result.then(
        () => state.busy--,
        () => state.busy--,
      );
    }
    return result;
  }

  private tick(state: GroupState, now: number, read: boolean): number {
    const timestamp = read ? state.clock.read(now) : state.clock.next(now);
    if (timestamp > this.latest) this.latest = timestamp;
    return timestamp;
  }

  private schedule(state: GroupState): void {
    state.timer = setTimeout(() => this.drain(state), state.clock.waitMs(Date.now(), state.waiting![0].read));
  }

  private drain(state: GroupState): void {
    const now = Date.now();
    while (state.waiting && state.clock.waitMs(now, state.waiting[0].read) === 0) {
      const job = state.waiting.shift()!;
      if (state.waiting.length === 0) state.waiting = state.timer = null;
      job.run(this.tick(state, now, job.read));
    }
    if (state.waiting) this.schedule(state);
  }

  /**
   * One pass over every group, freeing the idle ones, in batches of SWEEP_BATCH with a turn of the event
   * loop between them so a pass over a million groups never blocks it.
   */
  private sweep(now: number): void {
    if (this.cursor) return;
    const cursor = (this.cursor = this.groups.entries());
    const batch = (): void => {
      if (this.cursor !== cursor) return;
      for (let i = 0; i < SWEEP_BATCH; i++) {
        const next = cursor.next();
        if (next.done) {
          this.cursor = null;
          return;
        }
        const [key, state] = next.value;
        if (this.idle(state, now)) this.groups.delete(key);
      }
      setImmediate(batch);
    };
    batch();
  }

  private idle(state: GroupState, now: number): boolean {
    return (
      state.waiting === null &&
      state.busy === 0 &&
      state.clock.settled(now) &&
      state.log.expired(now) &&
      !this.watched.has(groupKey(state.stream, state.group)) &&
      !this.options.hasItems(state.stream, state.group)
    );
  }

  private state(stream: string, group: string, key = groupKey(stream, group)): GroupState {
    let state = this.groups.get(key);
    if (!state) {
      state = { stream, group, log: new GroupLog(this.options.history), clock: new GroupClock(this.options.floor), waiting: null, timer: null, busy: 0, reserved: 0, pending: 0 };
      this.groups.set(key, state);
    }
    return state;
  }
}

/** An envelope's idempotency key field: present only when the write had a key. */
function withKey(key: string | undefined): { idempotencyKey?: string } {
  return key === undefined ? {} : { idempotencyKey: key };
}

/** An event's change field: present only when its write made one. */
function withChange(change: ItemChange | undefined): { change?: ItemChange } {
  return change === undefined ? {} : { change };
}
