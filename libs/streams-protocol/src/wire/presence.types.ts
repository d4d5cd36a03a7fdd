/** Presence on the wire (SPEC §7.11): what a group subscription that asked for presence receives. */

/** A member as clients and server code see it: one per member key, however many sockets or instances. */
export interface PresenceMember<D = unknown, S = unknown> {
  /** Chosen by the server (the join handler's `presence.key`), e.g. a user id. */
  key: string;
  /** Set by the server (the join handler's `presence.data`). */
  data: D;
  /** Set by the client (`presence` frames), null until it sends one; with several sockets, the last written. */
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
