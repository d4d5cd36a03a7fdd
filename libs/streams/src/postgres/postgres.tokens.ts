/** Injection tokens of StreamsPostgresModule; private to the library unless re-exported from postgres/index.ts. */

/** The resolved, validated module options. */
export const STREAMS_POSTGRES_OPTIONS = Symbol('STREAMS_POSTGRES_OPTIONS');
/** The outbox's resolved options (only provided when the outbox is on). */
export const STREAMS_OUTBOX_OPTIONS = Symbol('STREAMS_OUTBOX_OPTIONS');
/** The `pg.Pool` the module's own work runs on: the app's, or one it opened from `connectionString`. */
export const STREAMS_POSTGRES_POOL = Symbol('STREAMS_POSTGRES_POOL');
/** Change capture's resolved options, or null when `capture` is not given. */
export const STREAMS_CAPTURE_OPTIONS = Symbol('STREAMS_CAPTURE_OPTIONS');
