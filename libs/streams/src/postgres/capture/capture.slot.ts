import type { Pool } from 'pg';

/** The replication slot as the server reports it; null when it does not exist. */
export interface SlotState {
  /** A consumer (on some instance) is streaming from it. */
  active: boolean;
  /** `reserved` / `extended` / `unreserved` / `lost` (pg_replication_slots.wal_status). */
  walStatus: string | null;
  /** Bytes of WAL between the server's position and what the consumer confirmed (its lag). */
  lagBytes: number;
  /** The position the consumer confirmed last (where the next session starts). */
  confirmedLsn: string;
}

export async function readSlot(pool: Pick<Pool, 'query'>, slot: string): Promise<SlotState | null> {
  const { rows } = await pool.query<{ active: boolean; wal_status: string | null; lag: number | null; confirmed: string | null }>(
    `SELECT active, wal_status, (pg_current_wal_lsn() - confirmed_flush_lsn)::float8 AS lag, confirmed_flush_lsn::text AS confirmed
FROM pg_replication_slots WHERE slot_name = $1`,
    [slot],
  );
  if (rows.length === 0) return null;
  const { active, wal_status, lag, confirmed } = rows[0];
  return { active, walStatus: wal_status, lagBytes: Math.max(0, lag ?? 0), confirmedLsn: confirmed ?? '0/0' };
}
