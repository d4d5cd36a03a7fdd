import { StreamsError } from '../../errors/streams.errors';

/**
 * Why an outbox write or the relay's start was refused: `outbox_not_in_transaction` (the handle, or the
 * TransactionHost, has no open transaction), `outbox_unknown_handle` (not a database handle this library
 * knows), `outbox_table_missing` (the migration has not run), `outbox_disabled` (the module has `outbox: false`).
 */
export type StreamsOutboxErrorCode = 'outbox_not_in_transaction' | 'outbox_unknown_handle' | 'outbox_table_missing' | 'outbox_disabled';

export class StreamsOutboxError extends StreamsError {
  constructor(
    readonly code: StreamsOutboxErrorCode,
    message: string,
  ) {
    super(message);
  }
}
