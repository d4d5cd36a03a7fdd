import type { ClientConfig } from 'pg';
import type { LogicalReplicationService, Pgoutput } from 'pg-logical-replication';
import { formatLsn, parseLsn } from './capture.lsn';
import type { CaptureChange, ResolvedStreamTable } from './capture.mapping';

type Library = typeof import('pg-logical-replication');

/** What a session needs from the consumer that runs it. */
export interface CaptureSessionContext {
  slot: string;
  publication: string;
  /** Declarations by `schema.table`. */
  tables: ReadonlyMap<string, ResolvedStreamTable[]>;
  /** Applies one row change of one declaration; `key` identifies it across replays of its transaction. Rejects when it must be retried. */
  apply(table: ResolvedStreamTable, change: CaptureChange, key: string): Promise<void>;
  /** The server started streaming to this session: it holds the slot. */
  started(): void;
}

/**
 * One replication connection's life: START_REPLICATION on the slot with pgoutput (protocol 1, so only
 * committed transactions arrive, each whole, in commit order), each change applied in order, and the
 * slot's position confirmed at each transaction's commit, once all its changes are applied. A failure stops
 * the session without confirming anything more: the next session starts from the last confirmed commit,
 * and the keys turn the changes it had applied into replays.
 */
export class CaptureSession {
  private service: LogicalReplicationService | null = null;
  /** The transaction being applied: its commit position names its changes' keys. */
  private txn: { commitLsn: string; ordinal: number } | null = null;
  /** A message is being handled (the library queues the next ones and pauses the socket meanwhile). */
  private busy = false;
  private current: Promise<void> = Promise.resolve();
  private confirmed: bigint;
  private failure: Error | null = null;
  private stopping = false;

  constructor(
    private readonly context: CaptureSessionContext,
    confirmedLsn: string,
  ) {
    this.confirmed = parseLsn(confirmedLsn);
  }

  /** Streams until `stop()` (resolves) or a failure (rejects with it). */
  async run(library: Library, connection: ClientConfig): Promise<void> {
    // No automatic acknowledgement: the library's would confirm what was received, not what was applied.
    const service = new library.LogicalReplicationService(connection, { acknowledge: { auto: false, timeoutSeconds: 0 }, flowControl: { enabled: true } });
    this.service = service;
    service.on('data', (_lsn: string, message: Pgoutput.Message) => this.receive(message));
    service.on('heartbeat', (lsn: string, _time: number, reply: boolean) => this.heartbeat(lsn, reply));
    service.on('error', (error: Error) => this.fail(error));
    service.on('start', () => this.context.started());
    try {
      await service.subscribe(new library.PgoutputPlugin({ protoVersion: 1, publicationNames: [this.context.publication] }), this.context.slot);
    } catch (error) {
      this.fail(error as Error);
    }
    await this.current;
    await service.destroy();
    if (this.failure) throw this.failure;
  }

  /** Ends the session after the message being applied; nothing unconfirmed is confirmed. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.service?.stop();
  }

  private fail(error: Error): void {
    if (this.failure || this.stopping) return;
    this.failure = error;
    void this.service?.stop();
  }

  private receive(message: Pgoutput.Message): Promise<void> {
    if (this.failure || this.stopping) return Promise.resolve();
    this.busy = true;
    this.current = this.handle(message)
      .catch((error: Error) => this.fail(error))
      .finally(() => (this.busy = false));
    return this.current;
  }

  private async handle(message: Pgoutput.Message): Promise<void> {
    switch (message.tag) {
      case 'begin':
        this.txn = { commitLsn: message.commitLsn!, ordinal: 0 };
        return;
      case 'insert':
        return this.change(message.relation, { kind: 'insert', row: message.new });
      case 'update':
        return this.change(message.relation, { kind: 'update', row: message.new, old: message.old ?? message.key });
      case 'delete':
        return this.change(message.relation, { kind: 'delete', old: (message.old ?? message.key)! });
      case 'commit':
        this.txn = null;
        this.confirm(parseLsn(message.commitEndLsn!));
        return;
      default:
        // relation and type descriptions (the parser keeps them), origins, logical messages: nothing to apply.
        return;
    }
  }

  private async change(relation: Pgoutput.MessageRelation, change: CaptureChange): Promise<void> {
    const txn = this.txn!;
    // The server decodes a transaction the same way every time: the ordinal names a change across replays.
    const key = `${txn.commitLsn}#${txn.ordinal++}`;
    for (const table of this.context.tables.get(`${relation.schema}.${relation.name}`) ?? []) {
      await this.context.apply(table, change, `${table.qualified}@${key}`);
    }
  }

  /**
   * A keepalive carries the server's position. With nothing received left to apply and no transaction
   * open, everything before it that the publication covers has been applied: confirming it lets the slot
   * release WAL written by other tables (PostgreSQL's own subscriber does the same). The server asks for
   * a reply now and then; without one it ends the connection after wal_sender_timeout.
   */
  private heartbeat(lsn: string, reply: boolean): void {
    const position = parseLsn(lsn);
    const idle = !this.busy && !this.txn && !this.failure;
    if (idle && position > this.confirmed) this.confirm(position);
    else if (reply) this.confirm(this.confirmed);
  }

  private confirm(position: bigint): void {
    if (position > this.confirmed) this.confirmed = position;
    // A slot that never had a position (none is reported before its creation completes) has nothing to confirm.
    if (this.confirmed === 0n) return;
    // The library reports `lsn + 1` as written/flushed. The slot must be confirmed at the commit's end
    // exactly, as PostgreSQL's subscriber does: one byte further could skip a transaction whose commit
    // record starts right there.
    void this.service?.acknowledge(formatLsn(this.confirmed - 1n));
  }
}
