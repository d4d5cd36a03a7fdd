import { StreamsError } from '../../errors/streams.errors';

/**
 * Why change capture refused to start or stopped: `capture_wal_level` (the server does not have
 * `wal_level=logical`), `capture_table_missing` / `capture_column_missing` (a declaration names what the
 * database does not have), `capture_replica_identity` (deletes would not carry the item's group and id),
 * `capture_slot_lost` (the replication slot was dropped, or its WAL removed, while the app ran).
 */
export type StreamsCaptureErrorCode = 'capture_wal_level' | 'capture_table_missing' | 'capture_column_missing' | 'capture_replica_identity' | 'capture_slot_lost';

export class StreamsCaptureError extends StreamsError {
  constructor(
    readonly code: StreamsCaptureErrorCode,
    message: string,
  ) {
    super(message);
  }
}
