import { AppendMethodMetadata } from './append-metadata';
import { ON_STREAM_JOIN_METADATA, ON_STREAM_LEAVE_METADATA } from '../../streams.constants';

export interface OnStreamSubscriptionOptions {
  /** Only subscriptions to this stream (absent: every stream). */
  stream_name?: string;
}

/**
 * Runs, awaited, before a subscription is accepted, with `{subscription_id, stream_name, group_id, id,
 * context}`. Return `{ unauthorized: true }` or throw ForbiddenException/UnauthorizedException to reject it.
 */
export function OnStreamJoin(options: OnStreamSubscriptionOptions = {}): MethodDecorator {
  return AppendMethodMetadata(ON_STREAM_JOIN_METADATA, options);
}

/** Runs after a subscription ends (a `leave` message or the socket closing), with the join payload. */
export function OnStreamLeave(options: OnStreamSubscriptionOptions = {}): MethodDecorator {
  return AppendMethodMetadata(ON_STREAM_LEAVE_METADATA, options);
}
