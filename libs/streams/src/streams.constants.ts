/** Injection tokens and metadata keys; private to the library unless re-exported from index.ts. */

/** The resolved, validated options (defaults applied). */
export const STREAMS_OPTIONS = Symbol('STREAMS_OPTIONS');
/** The active StreamAdapter instance. */
export const STREAMS_ADAPTER = Symbol('STREAMS_ADAPTER');
/** The PresenceHub (presence of this instance's sockets, over the adapter's presence store). */
export const STREAMS_PRESENCE = Symbol('STREAMS_PRESENCE');
/**
 * What StreamsPostgresModule offers the health indicator (`{ check(): Promise<void> }`): a token, so the
 * indicator's typings never name `pg` and apps without PostgreSQL compile with `skipLibCheck: false`.
 */
export const STREAMS_POSTGRES_PROBE = Symbol('STREAMS_POSTGRES_PROBE');

export const ON_STREAM_CHANGE_METADATA = 'nest-realtime-streams:on_change';
export const ON_STREAM_JOIN_METADATA = 'nest-realtime-streams:on_join';
export const ON_STREAM_LEAVE_METADATA = 'nest-realtime-streams:on_leave';
export const CUSTOM_STREAM_METADATA = 'nest-realtime-streams:custom_stream';
