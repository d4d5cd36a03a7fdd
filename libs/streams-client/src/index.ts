/** Public API of nest-realtime-streams-client. Everything not exported here is internal. */
export { StreamsClient } from './streams-client';
export type { StreamsClientOptions, StreamsClientEvents, GroupSubscriptionOptions, ItemSubscriptionOptions, ConnectionState, ConnectFailure } from './streams-client.options';
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
} from 'nest-realtime-streams-protocol';
export type { PresenceChange } from './subscriptions/presence.mirror';
