import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { StreamAdapter, StreamEnvelope } from '../adapters/stream-adapter.interface';
import type { CustomStream } from '../custom/custom-stream.interface';
import { CustomStreamsRegistry } from '../custom/custom-streams.registry';
import { StreamsError, StreamsInputError, StreamsOperationError, type StreamOperation } from '../errors/streams.errors';
import type { StreamChangeFrame } from '../interfaces/stream-frame.interface';
import type {
  StreamDeleteInput,
  StreamDeleteResult,
  StreamGroupRef,
  StreamItemRef,
  StreamListAllResult,
  StreamListGroupsInput,
  StreamSendInput,
  StreamSetInput,
  StreamSetResult,
  StreamTriggerRequest,
  StreamUpdateInput,
  StreamUpdateResult,
  StreamVersionedValue,
} from '../interfaces/stream-payloads.interface';
import { StreamsMetrics } from '../metrics/streams-metrics';
import { STREAMS_ADAPTER, STREAMS_PRESENCE } from '../streams.constants';
import type { PresenceHub } from '../presence/presence.hub';
import type { PresenceMember } from 'nest-realtime-streams-protocol';
import { StreamHandlersRegistry } from '../triggers/stream-handlers.registry';
import { KeyedCall } from './idempotency.fingerprint';
import { idempotencyKey, json, name, optionalName, record, ttlMs, updateOps, writeCondition } from './streams-input.validator';
import { StreamsStore } from './streams.store';
import { noteMutationWrite } from './mutation-writes.context';

/**
 * The iii `stream::*` functions for server code. Payloads and results are iii's snake_case shapes. Every
 * method returns a promise and rejects with a StreamsError subclass. A write is stored (atomically per
 * item), its change handlers are scheduled without waiting for them, and its frame reaches subscribers.
 */
@Injectable()
export class StreamsService implements OnModuleInit {
  constructor(
    private readonly store: StreamsStore,
    private readonly handlers: StreamHandlersRegistry,
    private readonly customStreams: CustomStreamsRegistry,
    @Inject(STREAMS_ADAPTER) private readonly adapter: StreamAdapter,
    private readonly metrics: StreamsMetrics,
    @Inject(STREAMS_PRESENCE) private readonly presenceHub: PresenceHub,
  ) {}

  /** Expiry deletes (SPEC §8) run change handlers as any delete; the adapter reports each on one instance only. */
  onModuleInit(): void {
    this.adapter.onExpire((envelope) => {
      this.metrics.itemExpired();
      this.written('delete', { envelope });
    });
  }

  /**
   * Creates or replaces an item. Publishes `create` or `update`. With a condition (`if_version`, `if_absent`,
   * `if_exists`) that does not hold, stores and publishes nothing and rejects with StreamsConflictError.
   * With an `idempotency_key` already used for this call (SPEC §8): the first call's result, nothing written.
   * With `ttl_ms` the item expires that long after this write; without it, it never does.
   */
  async set<T = unknown>(input: StreamSetInput<T>): Promise<StreamSetResult<T>> {
    const p = record(input);
    const [stream, group, item] = itemRef(p);
    const data = json(p, 'data');
    const condition = writeCondition(p);
    const ttl = ttlMs(p);
    const idempotency = keyed(p, 'set', item, data, condition, ...expiring(ttl));
    const out = await this.guard('set', () => this.store.set(stream, group, item, data, { condition, idempotency, ttlMs: ttl }));
    this.written('set', out);
    return { old_value: out.old_value, new_value: out.new_value, version: out.version } as StreamSetResult<T>;
  }

  /** The item's value, or null when it does not exist. */
  async get<T = unknown>(input: StreamItemRef): Promise<T | null> {
    const [stream, group, item] = itemRef(record(input));
    return (await this.guard('get', () => this.store.get(stream, group, item))) as T | null;
  }

  /**
   * The item's value and version (the position of its last write), for a conditional write to follow;
   * `{ value: null, version: null }` when it does not exist. Not for custom streams (they keep no versions).
   */
  async getVersioned<T = unknown>(input: StreamItemRef): Promise<StreamVersionedValue<T>> {
    const [stream, group, item] = itemRef(record(input));
    return (await this.guard('get', () => this.store.getVersioned(stream, group, item))) as StreamVersionedValue<T>;
  }

  /** Applies update ops atomically (SPEC §3.2). Failed ops are skipped and listed in `errors`. Conditions, keys and `ttl_ms` as for `set`. */
  async update<T = unknown>(input: StreamUpdateInput): Promise<StreamUpdateResult<T>> {
    const p = record(input);
    const [stream, group, item] = itemRef(p);
    const ops = updateOps(p);
    const condition = writeCondition(p);
    const ttl = ttlMs(p);
    // The ops are the caller's array (validated, not copied): fingerprinted now, before the caller can change them.
    const idempotency = keyed(p, 'update', item, ops, condition, ...expiring(ttl))?.fixed();
    const out = await this.guard('update', () => this.store.update(stream, group, item, ops, { condition, idempotency, ttlMs: ttl }));
    this.written('update', out);
    const result: StreamUpdateResult = { old_value: out.old_value, new_value: out.new_value, version: out.version };
    if (out.errors.length > 0) result.errors = out.errors;
    return result as StreamUpdateResult<T>;
  }

  /** Removes an item. Publishes `delete` only when something was removed. Conditions and keys as for `set`. */
  async delete<T = unknown>(input: StreamDeleteInput): Promise<StreamDeleteResult<T>> {
    const p = record(input);
    const [stream, group, item] = itemRef(p);
    const condition = writeCondition(p);
    const idempotency = keyed(p, 'delete', item, condition);
    const out = await this.guard('delete', () => this.store.delete(stream, group, item, { condition, idempotency }));
    this.written('delete', out);
    return { old_value: out.old_value, version: out.version } as StreamDeleteResult<T>;
  }

  /** Every item value of a group; `[]` for an unknown group. */
  async list<T = unknown>(input: StreamGroupRef): Promise<T[]> {
    const p = record(input);
    const stream = name(p, 'stream_name');
    const group = name(p, 'group_id');
    return (await this.guard('list', () => this.store.list(stream, group))) as T[];
  }

  /** Group ids of a stream that hold at least one item. */
  async listGroups(input: StreamListGroupsInput): Promise<string[]> {
    const stream = name(record(input), 'stream_name');
    return this.guard('listGroups', () => this.store.listGroups(stream));
  }

  /**
   * The group's presence members, one per member key, on every instance (extension, docs/reference/protocol.md
   * "Presence"). Read from the store, not from this instance's view, so it is exact at the instant it is read.
   */
  async presence<D = unknown, S = unknown>(input: StreamGroupRef): Promise<PresenceMember<D, S>[]> {
    const p = record(input);
    const stream = name(p, 'stream_name');
    const group = name(p, 'group_id');
    return (await this.guard('presence', () => this.presenceHub.members(stream, group))) as PresenceMember<D, S>[];
  }

  /** Every stream with its groups, sorted by id (adapter-backed streams only, as in iii). */
  async listAll(): Promise<StreamListAllResult> {
    const stream = await this.guard('listAll', () => this.adapter.listAll());
    return { stream, count: stream.length };
  }

  /** Pushes a custom event to the group's subscribers (and item subscribers of `id`); stores nothing. A keyed retry sends nothing. */
  async send<T = unknown>(input: StreamSendInput<T>): Promise<void> {
    const p = record(input);
    const stream = name(p, 'stream_name');
    const group = name(p, 'group_id');
    if (typeof p.type !== 'string') throw new StreamsInputError('type', 'must be a string');
    const type = p.type;
    const id = optionalName(p, 'id') ?? null;
    const data = json(p, 'data');
    // The data becomes the published frame's, which change handlers see: fingerprinted now.
    const idempotency = keyed(p, 'send', id, type, data)?.fixed();
    const envelope = await this.guard('send', () =>
      this.adapter.publish({ streamName: stream, groupId: group, id, event: { type: 'event', event: { type, data } } }, idempotency),
    );
    this.written('send', envelope ? { envelope } : { envelope, replayed: true });
  }

  /** iii's `trigger({function_id, payload})`, so worker code ports verbatim. */
  async trigger(request: StreamTriggerRequest): Promise<unknown> {
    const r = record(request, 'request');
    const payload = r.payload as never;
    switch (r.function_id) {
      case 'stream::set':
        return this.set(payload);
      case 'stream::get':
        return this.get(payload);
      case 'stream::update':
        return this.update(payload);
      case 'stream::delete':
        return this.delete(payload);
      case 'stream::list':
        return this.list(payload);
      case 'stream::list_groups':
        return this.listGroups(payload);
      case 'stream::list_all':
        return this.listAll();
      case 'stream::send':
        await this.send(payload);
        return null;
      default:
        throw new StreamsInputError('function_id', `unknown stream function ${JSON.stringify(r.function_id)}`);
    }
  }

  /** Backs `streamName` with user code (iii `createStream`); returns a function that removes it. */
  createStream<T = unknown>(streamName: string, impl: CustomStream<T>): () => void {
    this.customStreams.register(streamName, impl as CustomStream);
    return () => this.customStreams.unregister(streamName);
  }

  /** After a write: its change handlers when it published, the replay counted when it was one. */
  private written(operation: StreamOperation, out: { envelope: StreamEnvelope | null; replayed?: true }): void {
    if (out.replayed) this.metrics.idempotentReplay(operation);
    if (!out.envelope) return;
    noteMutationWrite(out.envelope);
    const { frame, idempotencyKey } = out.envelope;
    this.handlers.dispatchChange((idempotencyKey === undefined ? frame : { ...frame, idempotency_key: idempotencyKey }) as StreamChangeFrame);
  }

  private async guard<T>(operation: StreamOperation, run: () => Promise<T>): Promise<T> {
    try {
      return await this.metrics.timeAdapter(operation, run);
    } catch (error) {
      throw error instanceof StreamsError ? error : new StreamsOperationError(operation, error);
    }
  }
}

/** The call's idempotency key with its fingerprint (of the operation and `inputs`, computed when read), or undefined without a key. */
function keyed(p: Record<string, unknown>, operation: 'set' | 'update' | 'delete' | 'send', ...inputs: unknown[]): KeyedCall | undefined {
  const key = idempotencyKey(p);
  return key === undefined ? undefined : new KeyedCall(key, operation, inputs);
}

/** A write's ttl as a fingerprint input: none without one, so keys recorded before TTLs existed still match. */
function expiring(ttl: number | undefined): unknown[] {
  return ttl === undefined ? [] : [{ ttl_ms: ttl }];
}

function itemRef(p: Record<string, unknown>): [string, string, string] {
  return [name(p, 'stream_name'), name(p, 'group_id'), name(p, 'item_id')];
}
