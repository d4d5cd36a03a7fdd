import type { UpdateOp, UpdateOpError } from 'nest-realtime-streams-protocol';

/** iii function payloads and results, snake_case exactly as on the iii bus (SPEC §3.1). */

export interface StreamGroupRef {
  stream_name: string;
  group_id: string;
}

export interface StreamItemRef extends StreamGroupRef {
  item_id: string;
}

/**
 * Conditions on a write (extension, SPEC §8), at most one per call. A write whose condition does not hold
 * stores and publishes nothing and rejects with StreamsConflictError.
 */
export interface StreamWriteConditions {
  /** Write only if the item's version is this one (`null`: only if the item does not exist, as getVersioned reports it). */
  if_version?: string | null;
  /** Write only if the item does not exist. */
  if_absent?: true;
  /** Write only if the item exists. */
  if_exists?: true;
}

/**
 * Extension (SPEC §8): within `idempotency.ttlMs` a retry with the same key, in the same stream and group,
 * gets the first call's result and writes and publishes nothing; the same key with a different call is
 * refused with StreamsIdempotencyError. At most 256 bytes of UTF-8.
 */
export interface StreamIdempotentInput {
  idempotency_key?: string;
}

/**
 * Extension (SPEC §8): the item expires `ttl_ms` milliseconds after this write (a positive integer, at most
 * 30 days) and is then deleted like any delete. Every write sets the expiry again: one without `ttl_ms`
 * makes the item permanent.
 */
export interface StreamExpiringInput {
  ttl_ms?: number;
}

export interface StreamSetInput<T = unknown> extends StreamItemRef, StreamWriteConditions, StreamIdempotentInput, StreamExpiringInput {
  data: T;
}

export interface StreamUpdateInput extends StreamItemRef, StreamWriteConditions, StreamIdempotentInput, StreamExpiringInput {
  ops: UpdateOp[];
}

export interface StreamDeleteInput extends StreamItemRef, StreamWriteConditions, StreamIdempotentInput {}

export interface StreamSendInput<T = unknown> extends StreamGroupRef, StreamIdempotentInput {
  /** The custom event label delivered as `event.event.type`. */
  type: string;
  data: T;
  /** Item id: item subscribers of that id receive it too. */
  id?: string;
}

export interface StreamListGroupsInput {
  stream_name: string;
}

export interface StreamSetResult<T = unknown> {
  old_value: T | null;
  new_value: T;
  /** Extension: the item's version now, the position (`epoch:seq`) of this write's event. */
  version: string;
}

export interface StreamUpdateResult<T = unknown> {
  old_value: T | null;
  new_value: T;
  /** Present only when at least one op failed. */
  errors?: UpdateOpError[];
  /** Extension: the item's version now, the position (`epoch:seq`) of this write's event. */
  version: string;
}

export interface StreamDeleteResult<T = unknown> {
  old_value: T | null;
  /** Extension: the position of the `delete` event, null when nothing was removed. */
  version: string | null;
}

/** `StreamsService.getVersioned` result: the item and the version of its last write; both null when missing. */
export interface StreamVersionedValue<T = unknown> {
  value: T | null;
  version: string | null;
}

export interface StreamSummary {
  id: string;
  groups: string[];
}

export interface StreamListAllResult {
  stream: StreamSummary[];
  count: number;
}

/** Join/leave handler payload (SPEC §3.3). */
export interface StreamSubscriptionPayload<C = unknown> {
  subscription_id: string;
  stream_name: string;
  group_id: string;
  id: string | null;
  context: C | null;
  /** Set when the join handlers run again for a live subscription after a `refresh` (re-authentication). */
  reauth?: true;
}

export interface StreamJoinResult {
  unauthorized?: boolean;
  /** With `unauthorized: true`: why, sent to the client as `error: { code: 'unauthorized', message }` (at most 256 characters). */
  reason?: string;
  /**
   * The member this subscription holds when it asked for presence (docs/reference/protocol.md, "Presence"): one member
   * per `key` in the group, however many sockets or instances hold it. Without it the subscription only watches.
   */
  presence?: { key: string; data?: unknown };
}

/** `StreamsService.trigger` request: iii function id plus its payload. */
export type StreamTriggerRequest =
  | { function_id: 'stream::set'; payload: StreamSetInput }
  | { function_id: 'stream::get'; payload: StreamItemRef }
  | { function_id: 'stream::update'; payload: StreamUpdateInput }
  | { function_id: 'stream::delete'; payload: StreamDeleteInput }
  | { function_id: 'stream::list'; payload: StreamGroupRef }
  | { function_id: 'stream::list_groups'; payload: StreamListGroupsInput }
  | { function_id: 'stream::list_all'; payload?: Record<string, never> }
  | { function_id: 'stream::send'; payload: StreamSendInput };

export type StreamFunctionId = StreamTriggerRequest['function_id'];
