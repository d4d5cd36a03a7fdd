/** Client → server messages of the iii stream wire protocol (SPEC §4.3) and its additive extensions (§7). */

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
  /** `join` only (extension, SPEC §9): `update` frames carry the change instead of the value, and the sync each item's version. */
  deltas?: true;
}

export type ClientMessage =
  | { type: 'join' | 'leave'; data: SubscriptionRequest }
  /** Extension: this client's own state on the member its presence subscription holds. */
  | { type: 'presence'; data: { subscriptionId: string; state: unknown } }
  /** Extension: a new token for the live socket, before its authentication expires. */
  | { type: 'refresh'; data: { token: string } };
