/**
 * The iii stream wire protocol as the client sees it (nest-realtime-streams SPEC §4.3). Kept here rather
 * than imported from the server package so the client ships without it.
 */

/** `data` of a `join` or `leave` message. */
export interface SubscriptionRequest {
  subscriptionId: string;
  streamName: string;
  groupId: string;
  /** Item id for an item subscription; absent for a group one. */
  id?: string;
}

export interface ClientMessage {
  type: 'join' | 'leave';
  data: SubscriptionRequest;
}

export type StreamEvent =
  | { type: 'sync'; data: unknown }
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

export type ServerFrame = StreamFrame | ErrorFrame;
