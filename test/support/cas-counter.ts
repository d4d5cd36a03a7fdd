import { StreamsConflictError, StreamsError, StreamsOperationError, type StreamsService } from 'nest-realtime-streams';

/**
 * Increments of one counter item by read-modify-write (`getVersioned` → `set` with `if_version`), as issue 25's
 * "no lost update, none doubled" check does it across instances and faults. Each logical increment carries
 * its own `idempotency_key`; a write whose outcome is unknown (`StreamsOperationError`: timeout, connection
 * lost in a failover) is retried with the SAME key until answered; a `version_conflict` starts a new increment.
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface CasRef {
  stream_name: string;
  group_id: string;
  item_id: string;
}

export interface CasTally {
  /** The counter value each acknowledged increment wrote. */
  acked: number[];
  /** Refusals by code (`version_conflict`, or anything a correct run never sees). */
  refused: Record<string, number>;
  /** Reads that failed (transport) and were repeated. */
  rereads: number;
  /** Writes whose outcome was unknown and were retried (with their key, unless told otherwise). */
  retried: number;
  /** Acknowledgements dropped on purpose (`loseEvery`), each followed by a retry. */
  lost: number;
  /** Of those retries, the ones acknowledged with another version than the dropped answer (not a replay). */
  notReplayed: number;
  /** Increments still unanswered when the writer had to give up (a hang). */
  unanswered: number;
  /** The longest time one logical increment took to be answered. */
  slowestMs: number;
}

export interface CasOptions {
  /** Whether an unknown outcome is retried with the same key (true) or a new one — the second breaks the guarantee. */
  sameKeyOnRetry?: boolean;
  /** Whether the write carries `if_version` — without it concurrent writers lose updates. */
  conditional?: boolean;
  /** Every `loseEvery`th increment of a writer loses its first acknowledgement and retries (0: never). */
  loseEvery?: number;
}

/**
 * Runs `writers` concurrent increment loops, spread round-robin over `services`, until `stop()`; then waits
 * (at most `answerMs`) for the increments in flight to be answered and returns the merged tally.
 */
export function casCounter(services: StreamsService[], ref: CasRef, writers: number, answerMs: number, options: CasOptions = {}): { stop: () => Promise<CasTally> } {
  const { sameKeyOnRetry = true, conditional = true, loseEvery = 0 } = options;
  const tally: CasTally = { acked: [], refused: {}, rereads: 0, retried: 0, lost: 0, notReplayed: 0, unanswered: 0, slowestMs: 0 };
  let running = true;
  let giveUpAt = Infinity;
  const refuse = (code: string) => (tally.refused[code] = (tally.refused[code] ?? 0) + 1);

  /** Calls `op` until it is answered; an unknown outcome is retried; undefined when the writer gave up. */
  async function answered<T>(op: (attempt: number) => Promise<T>, unknown: 'rereads' | 'retried'): Promise<T | StreamsError | undefined> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await op(attempt);
      } catch (error) {
        if (!(error instanceof StreamsError)) throw error;
        if (!(error instanceof StreamsOperationError)) return error;
        if (Date.now() > giveUpAt) return undefined;
        tally[unknown]++;
        await sleep(50);
      }
    }
  }

  async function writer(w: number, service: StreamsService): Promise<void> {
    for (let n = 0; running; n++) {
      const started = Date.now();
      const read = await answered(() => service.getVersioned<number>(ref), 'rereads');
      if (read === undefined) return void tally.unanswered++;
      if (read instanceof StreamsError) throw read;
      const next = (read.value ?? 0) + 1;
      const key = `inc-${w}-${n}`;
      const attempt = (a: number) =>
        service.set({ ...ref, data: next, idempotency_key: sameKeyOnRetry ? key : `${key}-${a}`, ...(conditional ? { if_version: read.version } : {}) });
      let write = await answered(attempt, 'retried');
      // A reply lost on its way back after the write applied (what a failover does only now and then): the
      // caller cannot tell, so it retries — the case the key exists for.
      if (loseEvery > 0 && n % loseEvery === 0 && write !== undefined && !(write instanceof StreamsError)) {
        tally.lost++;
        const dropped = write.version;
        write = await answered((a) => attempt(a + 1), 'retried');
        if (write !== undefined && !(write instanceof StreamsError) && write.version !== dropped) tally.notReplayed++;
      }
      tally.slowestMs = Math.max(tally.slowestMs, Date.now() - started);
      if (write === undefined) tally.unanswered++;
      else if (write instanceof StreamsError) refuse(write.code);
      else tally.acked.push(next);
      if (write instanceof StreamsError && !(write instanceof StreamsConflictError)) return;
    }
  }

  const loops = Array.from({ length: writers }, (_, w) => writer(w, services[w % services.length]));
  return {
    stop: async () => {
      running = false;
      giveUpAt = Date.now() + answerMs;
      await Promise.all(loops);
      return tally;
    },
  };
}
