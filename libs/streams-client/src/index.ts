/** Public API of nest-realtime-streams-client. Everything not exported here is internal. */
export { StreamsClient } from './streams-client';
export type { StreamsClientOptions, StreamsClientEvents, GroupSubscriptionOptions, ItemSubscriptionOptions, ConnectionState, ConnectFailure, MutationsClientOptions } from './streams-client.options';
export { MemoryMutationQueueStore, type MutationQueueStore, type QueuedMutation, type StoredMutationQueue } from './mutations/mutation-queue.store';
export { IndexedDbMutationQueueStore } from './mutations/indexeddb-mutation-queue.store';
export { MutationRejectedError } from './mutations/mutation-rejected.error';
export type { MutationResult, MutationOutcome } from './mutations/mutation.queue';
export type { OptimisticChange } from './mutations/optimistic.change';
export { RECONNECT_DEFAULTS, backoffDelay, type ReconnectOptions } from './reconnect.backoff';
export type { StreamDefinition, StreamSchema, UntypedStreams, StreamName, ItemOf, EventsOf } from './stream-schema.types';
export { GroupSubscription } from './subscriptions/group.subscription';
export { ItemSubscription } from './subscriptions/item.subscription';
export { Subscription, type CustomEventHandler } from './subscriptions/subscription.handle';
export type { GroupChange, IdExtractor } from './subscriptions/group.channel';
export type { ItemChange } from './subscriptions/item.channel';
export type { ChannelEvents, CustomEventMeta, ReadyEvent } from './subscriptions/subscription.channel';
export type { Listener, Unsubscribe } from './runtime/emitter';
export type { WebSocketLike, WebSocketConstructor, SocketMessageEvent, SocketCloseEvent } from './runtime/websocket.types';
export type {
  StreamFrame,
  StreamEvent,
  DeltaFrame,
  ResumedFrame,
  StreamsErrorPayload,
  JoinRefusal,
  SubscriptionRequest,
  PresenceMember,
  PresenceSnapshot,
  PresenceEvent,
  PresenceMemberEvent,
  PresenceFrame,
  AuthFrame,
  MutationFrame,
  MutationError,
  MutationWrite,
  MutateMessage,
} from 'nest-realtime-streams-protocol';
export type { PresenceChange } from './subscriptions/presence.mirror';
