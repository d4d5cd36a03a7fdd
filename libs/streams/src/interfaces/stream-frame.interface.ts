import type { StreamChangeEvent, StreamFrame } from 'nest-realtime-streams-protocol';

/**
 * What `@OnStreamChange` handlers receive: the published frame (its wire type is shared with the client in
 * nest-realtime-streams-protocol), exactly as clients get it, plus the write's `idempotency_key` when it had
 * one (never sent to clients), for de-duplicating downstream.
 */
export type StreamChangeFrame = StreamFrame<StreamChangeEvent> & { idempotency_key?: string };
