import type { ItemDelta, ItemVersion } from '../deltas/item-delta.types';
import type { MutationFrame } from './mutation.types';
import type { PresenceFrame, PresenceSnapshot } from './presence.types';

/** Server → client frames of the iii stream wire protocol (SPEC §4.3) and their additive extensions (§7). */

/** Why a join was refused: `forbidden` / `unauthorized` with the handler's message, or `join_failed`. */
export interface JoinRefusal {
  code: string;
  message: string;
}

export type StreamEvent =
  /** `continuityLost`: a resume the server could not serve, or a re-sync; the sync replaces state, it does not merge. */
  | {
      type: 'sync';
      data: unknown;
      continuityLost?: true;
      presence?: PresenceSnapshot;
      /** Delta subscriptions of a group: each value's item id and version, in the order of `data`. */
      items?: ItemVersion[];
      /** Delta subscriptions of an item: its version (null when missing). */
      version?: string | null;
    }
  | { type: 'create'; data: unknown }
  | { type: 'update'; data: unknown }
  | { type: 'delete'; data: unknown }
  | { type: 'event'; event: { type: string; data: unknown } }
  /** `error`: why, when the server's join handler said (additive; absent from iii servers). */
  | { type: 'unauthorized'; error?: JoinRefusal };

/** The events a write or `send` publishes (what change handlers see). */
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
  /** Resume position `<epoch>:<seq>` (on every event and sync of a server that supports resume; send it back in `join.data.position`). */
  position?: string;
}

/**
 * An `update` as a delta subscription receives it (SPEC §9) when the change is smaller than the value: the
 * change and the versions it goes between, as sequence numbers in the epoch of the subscription's position
 * (the server sends one only within the epoch of the subscription's `sync` or `resumed`). The item's new
 * version, `<epoch>:<version>`, is also the subscription's new position. No `timestamp`: the position orders it.
 */
export type DeltaFrame = {
  type: 'delta';
  streamName: string;
  groupId: string;
  id: string;
  /** The version the change applies to. */
  base: number;
  /** The version it makes. */
  version: number;
} & ItemDelta;

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
  /** Delta subscriptions (SPEC §9): the group's item ids and versions at `position` (the client checks its mirror against them). */
  items?: ItemVersion[];
  /** Delta subscriptions of an item: its version at `position` (null when missing). */
  version?: string | null;
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

/** When the socket's authentication ends (sent on connect and after each accepted refresh). */
export interface AuthFrame {
  type: 'auth';
  expiresAt: number | null;
  refreshed?: boolean;
}

export type ServerFrame = StreamFrame | DeltaFrame | ResumedFrame | ErrorFrame | PresenceFrame | AuthFrame | MutationFrame;
