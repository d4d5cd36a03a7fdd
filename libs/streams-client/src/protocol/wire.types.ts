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
  /** `join` of a group only (extension): receive the group's presence (`'count'`: counts only). */
  presence?: true | 'count';
}

export type ClientMessage =
  | { type: 'join' | 'leave'; data: SubscriptionRequest }
  /** Extension: this client's own state on the member its presence subscription holds. */
  | { type: 'presence'; data: { subscriptionId: string; state: unknown } }
  /** Extension: a new token for the live socket, before its authentication expires. */
  | { type: 'refresh'; data: { token: string } };

/** One presence member: `key` and `data` decided by the server, `state` sent by the member's client. */
export interface PresenceMember<D = unknown, S = unknown> {
  key: string;
  data: D;
  state: S;
}

/** The presence a sync (or `resumed`) carries; `members` absent in counts-only mode. */
export interface PresenceSnapshot {
  count: number;
  members?: PresenceMember[];
}

/** One member arrived, left, or changed its state (`member` as it is now, or as it was for `leave`). */
export interface PresenceMemberEvent {
  type: 'join' | 'leave' | 'update';
  member: PresenceMember;
}

export type PresenceEvent =
  | PresenceMemberEvent
  /** Several members changed since the subscription's last frame (the server coalesces them): one event each. */
  | { type: 'changes'; events: PresenceMemberEvent[] }
  | { type: 'count' }
  | ({ type: 'list' } & PresenceSnapshot);

/** A change of a group's presence, sent to the subscriptions that asked for it. */
export interface PresenceFrame {
  type: 'presence';
  subscriptionId: string;
  streamName: string;
  groupId: string;
  event: PresenceEvent;
  count: number;
}

/** When the socket's authentication ends (sent on connect and after each accepted refresh). */
export interface AuthFrame {
  type: 'auth';
  expiresAt: number | null;
  refreshed?: boolean;
}

export type StreamEvent =
  /** `continuityLost`: a resume the server could not serve; the sync replaces state, it does not merge. */
  | { type: 'sync'; data: unknown; continuityLost?: boolean; presence?: PresenceSnapshot }
  | { type: 'create' | 'update' | 'delete'; data: unknown }
  | { type: 'event'; event: { type: string; data: unknown } }
  /** `error`: why, when the server's join handler said (additive; absent from iii servers). */
  | { type: 'unauthorized'; error?: JoinRefusal };

/** Why a join was refused: `forbidden` / `unauthorized` with the handler's message, or `join_failed`. */
export interface JoinRefusal {
  code: string;
  message: string;
}

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
  presence?: PresenceSnapshot;
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

export type ServerFrame = StreamFrame | ResumedFrame | ErrorFrame | PresenceFrame | AuthFrame;
