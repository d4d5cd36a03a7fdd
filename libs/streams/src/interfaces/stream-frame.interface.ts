/** Server → client frames (SPEC §4.3) and the change payload handed to `@OnStreamChange` handlers. */

export type StreamEvent =
  | { type: 'sync'; data: unknown; /** Set when a resume could not be served: replace state, do not merge. */ continuityLost?: true }
  | { type: 'create'; data: unknown }
  | { type: 'update'; data: unknown }
  | { type: 'delete'; data: unknown }
  | { type: 'event'; event: { type: string; data: unknown } }
  | { type: 'unauthorized'; error?: { code: string; message: string } };

export type StreamChangeEvent = Extract<StreamEvent, { type: 'create' | 'update' | 'delete' | 'event' }>;

export interface StreamFrame<E extends StreamEvent = StreamEvent> {
  type: 'stream';
  /** Epoch milliseconds, strictly increasing per (stream, group). */
  timestamp: number;
  streamName: string;
  groupId: string;
  /** Item id, or null for group-level frames (group sync, `send` without id). */
  id: string | null;
  event: E;
  /** Resume position `<epoch>:<seq>` (on the wire only; send it back in `join.data.position`). */
  position?: string;
}

/**
 * What `@OnStreamChange` handlers receive: the published frame, exactly as clients get it, plus the
 * write's `idempotency_key` when it had one (never sent to clients), for de-duplicating downstream.
 */
export type StreamChangeFrame = StreamFrame<StreamChangeEvent> & { idempotency_key?: string };
