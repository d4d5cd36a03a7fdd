/**
 * Sends one write script: `ticket` numbers the write in this instance's call order, `oldest` is the oldest
 * ticket of the instance's writes to the same group not answered yet (see WRITE_GATE in redis.scripts.ts).
 */
export type OrderedSend = (ticket: number, oldest: number) => Promise<unknown[]>;

/** How long a refused write asks to wait before it is sent again; null when it failed for another reason. */
export type ClockWaitOf = (error: unknown) => number | null;

interface Job {
  ticket: number;
  send: OrderedSend;
  resolve(reply: unknown[]): void;
  reject(error: unknown): void;
}

/** One group's writes on this instance while any is unanswered. */
interface GroupWrites {
  key: string;
  /** Tickets of the writes not answered yet, in call order. */
  unanswered: number[];
  /** Writes the clock made wait and every write called after them, in ticket order; null when none waits. */
  waiting: Job[] | null;
  /** The longest wait a refusal asked for since the last round. */
  delay: number;
  retry: NodeJS.Timeout | null;
  /** When the next round may go (the clock has a tick for it from then on, one more per ms). */
  readyAt: number;
  /** How many writes the next round sends at least: doubled after a round the clock took whole. */
  batch: number;
  /** Whether a round is on its way (its refusals decide when the next one goes). */
  sending: boolean;
}

/**
 * Keeps the writes of this instance to each group in call order while the group's clock makes them wait
 * (issue 23): writes go out at once, pipelined, while none of the group waits; once the clock refuses one,
 * the script refuses every later one of the instance too (they may already be on their way), and the
 * refused writes, with those called after them, go out again in ticket order, in rounds sized to what the
 * clock can take (it grants one tick per ms at the cap), so waiting writes are not sent over and over.
 * Other groups are never held back; nothing is queued on the uncontended path.
 */
export class RedisWriteOrder {
  private tickets = 0;
  private readonly groups = new Map<string, GroupWrites>();

  constructor(private readonly clockWait: ClockWaitOf) {}

  run(key: string, send: OrderedSend): Promise<unknown[]> {
    const ticket = ++this.tickets;
    let group = this.groups.get(key);
    if (!group) this.groups.set(key, (group = { key, unanswered: [], waiting: null, delay: 0, retry: null, readyAt: 0, batch: 1, sending: false }));
    group.unanswered.push(ticket);
    const writes = group;
    return new Promise((resolve, reject) => {
      const job: Job = { ticket, send, resolve, reject };
      if (writes.waiting) writes.waiting.push(job);
      else void this.attempt(writes, job);
    });
  }

  /** Sends a write; false when the clock refused it (it then waits for the next round). */
  private async attempt(group: GroupWrites, job: Job): Promise<boolean> {
    try {
      const reply = await job.send(job.ticket, group.unanswered[0]);
      this.answered(group, job.ticket);
      job.resolve(reply);
      return true;
    } catch (error) {
      const wait = this.clockWait(error);
      if (wait !== null) {
        this.park(group, job, wait);
        return false;
      }
      this.answered(group, job.ticket);
      job.reject(error);
      return true;
    }
  }

  private park(group: GroupWrites, job: Job, wait: number): void {
    const waiting = (group.waiting ??= []);
    let at = waiting.length;
    while (at > 0 && waiting[at - 1].ticket > job.ticket) at--;
    waiting.splice(at, 0, job);
    group.delay = Math.max(group.delay, wait);
    if (!group.sending && !group.retry) this.schedule(group);
  }

  private schedule(group: GroupWrites): void {
    group.readyAt = Date.now() + group.delay;
    group.retry = setTimeout(() => void this.round(group), group.delay);
  }

  /** Sends the first waiting writes again, in ticket order; what the clock still refuses waits for the next round. */
  private async round(group: GroupWrites): Promise<void> {
    const waiting = group.waiting!;
    const late = Math.max(0, Date.now() - group.readyAt);
    const jobs = waiting.splice(0, Math.max(group.batch, 1 + late));
    group.retry = null;
    group.sending = true;
    group.delay = 0;
    const taken = await Promise.all(jobs.map((job) => this.attempt(group, job)));
    group.sending = false;
    group.batch = taken.every(Boolean) ? group.batch * 2 : 1;
    if (waiting.length > 0) this.schedule(group);
    else {
      group.waiting = null;
      group.batch = 1;
      this.forget(group);
    }
  }

  private answered(group: GroupWrites, ticket: number): void {
    const at = group.unanswered.indexOf(ticket);
    if (at >= 0) group.unanswered.splice(at, 1);
    this.forget(group);
  }

  /** A group with nothing unanswered, waiting or on its way leaves the map (the next write starts afresh). */
  private forget(group: GroupWrites): void {
    if (group.unanswered.length === 0 && group.waiting === null && !group.sending) this.groups.delete(group.key);
  }
}
