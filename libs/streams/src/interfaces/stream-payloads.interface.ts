import type { UpdateOp, UpdateOpError } from '../update-ops/update-ops.types';

/** iii function payloads and results, snake_case exactly as on the iii bus (SPEC §3.1). */

export interface StreamGroupRef {
  stream_name: string;
  group_id: string;
}

export interface StreamItemRef extends StreamGroupRef {
  item_id: string;
}

export interface StreamSetInput<T = unknown> extends StreamItemRef {
  data: T;
}

export interface StreamUpdateInput extends StreamItemRef {
  ops: UpdateOp[];
}

export interface StreamSendInput<T = unknown> extends StreamGroupRef {
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
}

export interface StreamUpdateResult<T = unknown> {
  old_value: T | null;
  new_value: T;
  /** Present only when at least one op failed. */
  errors?: UpdateOpError[];
}

export interface StreamDeleteResult<T = unknown> {
  old_value: T | null;
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
  /**
   * The member this subscription holds when it asked for presence (docs/protocol.md, "Presence"): one member
   * per `key` in the group, however many sockets or instances hold it. Without it the subscription only watches.
   */
  presence?: { key: string; data?: unknown };
}

/** `StreamsService.trigger` request: iii function id plus its payload. */
export type StreamTriggerRequest =
  | { function_id: 'stream::set'; payload: StreamSetInput }
  | { function_id: 'stream::get'; payload: StreamItemRef }
  | { function_id: 'stream::update'; payload: StreamUpdateInput }
  | { function_id: 'stream::delete'; payload: StreamItemRef }
  | { function_id: 'stream::list'; payload: StreamGroupRef }
  | { function_id: 'stream::list_groups'; payload: StreamListGroupsInput }
  | { function_id: 'stream::list_all'; payload?: Record<string, never> }
  | { function_id: 'stream::send'; payload: StreamSendInput };

export type StreamFunctionId = StreamTriggerRequest['function_id'];
