/**
 * The iii stream wire protocol as the client sees it (nest-realtime-streams SPEC §4.3), with the additive
 * resume extension (positions, `resumed`). Kept here rather than imported from the server package so the
 * client ships without it.
 */

/** `data` of a `join` or `leave` message. */
export interface SubscriptionRequest {
  subscriptionId: string;
  streamName: string;
  groupId: string;
  /** Item id for an item subscription; absent for a group one. */
  id?: string;
  /** `join` only: the last position seen on the subscription, to resume instead of re-syncing. */
  position?: string;
}

export interface ClientMessage {
  type: 'join' | 'leave';
  data: SubscriptionRequest;
}

export type StreamEvent =
  /** `continuityLost`: a resume the server could not serve; the sync replaces state, it does not merge. */
  | { type: 'sync'; data: unknown; continuityLost?: boolean }
  | { type: 'create' | 'update' | 'delete'; data: unknown }
  | { type: 'event'; event: { type: string; data: unknown } }
  | { type: 'unauthorized' };

export interface StreamFrame {
  type: 'stream';
  /** Epoch ms, strictly increasing per (stream, group). */
  timestamp: number;
  streamName: string;
  groupId: string;
  /** Item id, or null for group-level frames. */
  id: string | null;
  event: StreamEvent;
  /** Opaque resume position `<epoch>:<seq>` (on every event and sync of a server that supports resume). */
  position?: string;
}

/** Answers a `join` that resumed: the missed frames were sent before it, live frames follow. */
export interface ResumedFrame {
  type: 'resumed';
  subscriptionId: string;
  streamName: string;
  groupId: string;
  id: string | null;
  /** How many missed frames were replayed. */
  replayed: number;
  position: string;
}

/** Additive error frame for bad client input (SPEC §7.2). */
export interface StreamsErrorPayload {
  code: string;
  message: string;
  field?: string;
  subscriptionId?: string;
}

export interface ErrorFrame {
  type: 'error';
  error: StreamsErrorPayload;
}

export type ServerFrame = StreamFrame | ResumedFrame | ErrorFrame;
