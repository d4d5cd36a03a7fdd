import { groupKey, LocalFanout } from '../local-fanout';
import type { StreamEnvelope, StreamListener, StreamMessage, Unsubscribe } from '../stream-adapter.interface';
import { GroupLog, type HistoryLimits } from './group-log';

/**
 * The in-process event side of the memory and file adapters: each group's position (epoch + seq), its
 * recent events for resume, and delivery to this process's listeners. Positions outlive emptied groups
 * while the process lives; a new process starts new epochs, which tells resuming clients to re-sync.
 */
export class LocalEventLog {
  private readonly logs = new Map<string, GroupLog>();
  private readonly fanout = new LocalFanout();

  constructor(private readonly limits: HistoryLimits) {}

  /** Gives the message the next seq of its group, keeps it, and delivers it to local listeners. */
  emit(message: StreamMessage, timestamp: number): StreamEnvelope {
    const log = this.log(message.streamName, message.groupId);
    const envelope: StreamEnvelope = { frame: { type: 'stream', timestamp, ...message }, seq: ++log.seq, epoch: log.epoch };
    log.append(envelope);
    this.fanout.deliver(envelope);
    return envelope;
  }

  position(stream: string, group: string): { seq: number; epoch: string } {
    const { seq, epoch } = this.log(stream, group);
    return { seq, epoch };
  }

  /** Events after `seq` of history `epoch`, or null when they are not all kept (or the epoch is another). */
  after(stream: string, group: string, epoch: string, seq: number, now: number): StreamEnvelope[] | null {
    const log = this.logs.get(groupKey(stream, group));
    return log && log.epoch === epoch ? log.after(seq, now) : null;
  }

  subscribe(stream: string, group: string, listener: StreamListener): Unsubscribe {
    return this.fanout.subscribe(stream, group, listener);
  }

  clear(): void {
    this.fanout.clear();
  }

  private log(stream: string, group: string): GroupLog {
    const key = groupKey(stream, group);
    let log = this.logs.get(key);
    if (!log) this.logs.set(key, (log = new GroupLog(this.limits)));
    return log;
  }
}
