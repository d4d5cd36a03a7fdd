import { Inject, Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { assertPeerInstalled } from '../../errors/missing-peer.error';
import type { ResolvedOutboxOptions } from '../streams-postgres.options';
import { STREAMS_OUTBOX_OPTIONS } from '../postgres.tokens';
import type { OutboxDeleteInput, OutboxSendInput, OutboxSetInput, OutboxUpdateInput } from './outbox.entry';
import { StreamsOutboxError } from './outbox.errors';
import { type OutboxHandle, outboxExecutor } from './outbox.handle';
import { type OutboxReceipt, OutboxWriter } from './outbox.writer';

/** What this service asks of `@nestjs-cls/transactional`'s TransactionHost. */
interface TransactionHostLike {
  isTransactionActive(): boolean;
  readonly tx: unknown;
}

/**
 * Stream writes that commit or roll back with the app's database transaction (SPEC §10, docs/reference/postgres.md).
 * With a handle: `await outbox.with(tx).set({...})`, where `tx` is a pg client, a TypeORM EntityManager or
 * QueryRunner, a Kysely or Drizzle transaction. Without one (`outbox.set({...})`), the write joins the
 * transaction `@nestjs-cls/transactional` holds for the current call (`@Transactional()` or
 * `txHost.withTransaction`), whatever its adapter.
 */
@Injectable()
export class StreamsOutbox {
  private host: TransactionHostLike | undefined;

  constructor(
    @Inject(STREAMS_OUTBOX_OPTIONS) private readonly options: ResolvedOutboxOptions | null,
    private readonly moduleRef: ModuleRef,
  ) {}

  /** Writes into the transaction `handle` belongs to; throws StreamsOutboxError for a handle that is not an open transaction. */
  with(handle: OutboxHandle): OutboxWriter {
    if (!this.options) throw new StreamsOutboxError('outbox_disabled', 'the outbox is off (StreamsPostgresModule.forRoot({ outbox: false }))');
    return new OutboxWriter(outboxExecutor(handle), this.options.table);
  }

  set<T = unknown>(input: OutboxSetInput<T>): Promise<OutboxReceipt> {
    return this.active().then((writer) => writer.set(input));
  }

  update(input: OutboxUpdateInput): Promise<OutboxReceipt> {
    return this.active().then((writer) => writer.update(input));
  }

  delete(input: OutboxDeleteInput): Promise<OutboxReceipt> {
    return this.active().then((writer) => writer.delete(input));
  }

  send<T = unknown>(input: OutboxSendInput<T>): Promise<OutboxReceipt> {
    return this.active().then((writer) => writer.send(input));
  }

  /** A writer on the CLS transaction; refuses to write outside one (StreamsService is the way to write at once). */
  private async active(): Promise<OutboxWriter> {
    const host = this.transactionHost();
    if (!host.isTransactionActive()) {
      throw new StreamsOutboxError(
        'outbox_not_in_transaction',
        'StreamsOutbox write outside a transaction: call it inside @Transactional() / txHost.withTransaction(), pass a handle with outbox.with(tx), or write at once with StreamsService',
      );
    }
    return this.with(host.tx as OutboxHandle);
  }

  private transactionHost(): TransactionHostLike {
    if (this.host) return this.host;
    assertPeerInstalled('@nestjs-cls/transactional', 'StreamsOutbox without a transaction handle');
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional peer, loaded on first handle-less write
    const { getTransactionHostToken } = require('@nestjs-cls/transactional') as { getTransactionHostToken(name?: string): object };
    try {
      this.host = this.moduleRef.get<TransactionHostLike>(getTransactionHostToken(this.options?.transactionHost) as never, { strict: false });
    } catch {
      throw new StreamsOutboxError(
        'outbox_not_in_transaction',
        `StreamsOutbox without a handle needs ClsModule with ClsPluginTransactional${this.options?.transactionHost ? ` (connectionName '${this.options.transactionHost}')` : ''}; or pass a handle with outbox.with(tx)`,
      );
    }
    return this.host;
  }
}
