/** Public API of nest-realtime-streams. Everything not exported here is internal. */
export { StreamsModule } from './streams.module';
export type { StreamsModuleAsyncOptions, StreamsOptionsFactory } from './streams.module-definition';
export { StreamsService } from './service/streams.service';
export { StreamsListener } from './gateway/streams.listener';
export { StreamsMetrics } from './metrics/streams-metrics';
export { MAX_NAME_BYTES } from './common/stream-name';
export { OnStreamChange, type OnStreamChangeOptions } from './triggers/decorators/on-stream-change.decorator';
export { OnStreamJoin, OnStreamLeave, type OnStreamSubscriptionOptions } from './triggers/decorators/on-stream-subscription.decorator';
export { OnStreamMutation, type OnStreamMutationOptions } from './mutations/on-stream-mutation.decorator';
export type { StreamMutationPayload } from './mutations/mutation.types';
export { CustomStreamProvider } from './custom/custom-stream.decorator';
export type { CustomStream } from './custom/custom-stream.interface';
export {
  StreamsConflictError,
  type StreamsConflictCode,
  StreamsCustomResultError,
  StreamsCustomStreamError,
  StreamsError,
  StreamsIdempotencyError,
  StreamsInputError,
  StreamsOperationError,
  StreamsOptionsError,
  STREAM_OPERATION_ERROR_CODES,
} from './errors/streams.errors';
export { CLOSE_CODES, ERROR_CODES, PATH_SUBSCRIPTION_ID } from './protocol/protocol.constants';
export type { StreamEvent, StreamChangeEvent, StreamFrame, PresenceMember, UpdateOp, UpdateOpError, MutationFrame, MutationError, MutationWrite, MutateMessage } from 'nest-realtime-streams-protocol';
export type { StreamChangeFrame } from './interfaces/stream-frame.interface';
export type * from './interfaces/stream-payloads.interface';
export type { FileDurability } from './adapters/file/file-adapter.options';
export type {
  StreamsModuleOptions,
  StreamsAdapterOptions,
  MemoryAdapterOptions,
  FileAdapterOptions,
  RedisAdapterOptions,
  RedisPresenceOptions,
  StreamAuthFunction,
  StreamAuthInput,
  StreamAuthResult,
  StreamsLimitsOptions,
  StreamsTimeoutsOptions,
  StreamsWritesOptions,
  StreamsHandlersOptions,
  StreamsHistoryOptions,
  StreamsIdempotencyOptions,
  StreamsPresenceOptions,
  StreamsMetricsOptions,
  StreamsMutationsOptions,
} from './options/streams-options.interface';
