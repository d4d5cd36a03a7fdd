import type {
  StreamDeleteResult,
  StreamGroupRef,
  StreamItemRef,
  StreamListGroupsInput,
  StreamSetInput,
  StreamSetResult,
  StreamUpdateInput,
  StreamUpdateResult,
} from '../interfaces/stream-payloads.interface';

type MaybePromise<T> = T | Promise<T>;

/**
 * A stream whose items live in user code instead of the adapter (iii `createStream`). The module still
 * publishes every write to subscribers and runs change handlers; join snapshots read through `get`/`list`.
 * Without `update`, `stream::update` reads with `get`, applies the ops in process and writes with `set`.
 */
export interface CustomStream<T = unknown> {
  get(input: StreamItemRef): MaybePromise<T | null | undefined>;
  set(input: StreamSetInput<T>): MaybePromise<StreamSetResult<T> | { old_value?: T | null; new_value: T }>;
  delete(input: StreamItemRef): MaybePromise<StreamDeleteResult<T> | { old_value?: T | null }>;
  list(input: StreamGroupRef): MaybePromise<T[]>;
  listGroups(input: StreamListGroupsInput): MaybePromise<string[]>;
  update?(input: StreamUpdateInput): MaybePromise<StreamUpdateResult<T> | { old_value?: T | null; new_value: T; errors?: StreamUpdateResult['errors'] }>;
}
