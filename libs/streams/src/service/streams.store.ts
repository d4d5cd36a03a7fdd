import { Inject, Injectable } from '@nestjs/common';
import type {
  AdapterDeleteOutcome,
  AdapterSetOutcome,
  AdapterUpdateOutcome,
  StreamAdapter,
  StreamPosition,
  StreamReplay,
  StreamMessage,
  StreamSnapshot,
  VersionsRead,
} from '../adapters/stream-adapter.interface';
import type { ItemWriteOptions, VersionedValue } from '../adapters/item-write.condition';
import type { StreamEnvelope } from '../adapters/stream-adapter.interface';
import { CustomStreamsRegistry } from '../custom/custom-streams.registry';
import type { CustomStream } from '../custom/custom-stream.interface';
import { StreamsCustomResultError, StreamsCustomStreamError, StreamsError, StreamsInputError, type StreamOperation } from '../errors/streams.errors';
import { STREAMS_ADAPTER } from '../streams.constants';
import { formatPosition, applyUpdateOps, type UpdateOp } from 'nest-realtime-streams-protocol';
import { KeyedLock } from './keyed-lock';

/**
 * Routes every read and write either to the adapter or to the custom stream registered for the stream
 * name. Writes to a custom stream are then published through the adapter, so subscribers and change
 * handlers cannot tell the difference.
 */
@Injectable()
export class StreamsStore {
  /** Serialises get-apply-set on custom streams without `update`, per item, on this instance. */
  private readonly customUpdates = new KeyedLock();

  constructor(
    @Inject(STREAMS_ADAPTER) private readonly adapter: StreamAdapter,
    private readonly custom: CustomStreamsRegistry,
  ) {}

  async get(stream_name: string, group_id: string, item_id: string): Promise<unknown> {
    const custom = this.custom.find(stream_name);
    if (!custom) return this.adapter.get(stream_name, group_id, item_id);
    return (await passThrough('get', stream_name, () => custom.get({ stream_name, group_id, item_id }))) ?? null;
  }

  /** Custom streams keep no versions (user code stores the items): refused rather than answered wrongly. */
  async getVersioned(stream_name: string, group_id: string, item_id: string): Promise<VersionedValue> {
    if (this.custom.find(stream_name)) throw new StreamsInputError('stream_name', `custom stream "${stream_name}" keeps no item versions`);
    return this.adapter.getVersioned(stream_name, group_id, item_id);
  }

  async set(stream_name: string, group_id: string, item_id: string, data: unknown, options: ItemWriteOptions = {}): Promise<AdapterSetOutcome> {
    const custom = this.unconditional(stream_name, options);
    if (!custom) return this.adapter.set(stream_name, group_id, item_id, data, options);
    const result = written(await custom.set({ stream_name, group_id, item_id, data }), 'set', stream_name);
    return this.publishWrite(stream_name, group_id, item_id, result);
  }

  async update(stream_name: string, group_id: string, item_id: string, ops: UpdateOp[], options: ItemWriteOptions = {}): Promise<AdapterUpdateOutcome> {
    const custom = this.unconditional(stream_name, options);
    if (!custom) return this.adapter.update(stream_name, group_id, item_id, ops, options);
    if (custom.update) {
      const result = written(await custom.update({ stream_name, group_id, item_id, ops }), 'update', stream_name);
      return { ...(await this.publishWrite(stream_name, group_id, item_id, result)), errors: result.errors ?? [] };
    }
    return this.customUpdates.run(JSON.stringify([stream_name, group_id, item_id]), async () => {
      const current = (await custom.get({ stream_name, group_id, item_id })) ?? null;
      const { value, errors } = applyUpdateOps(current, current !== null, ops);
      const result = written(await custom.set({ stream_name, group_id, item_id, data: value }), 'set', stream_name);
      return { ...(await this.publishWrite(stream_name, group_id, item_id, result)), errors };
    });
  }

  async delete(stream_name: string, group_id: string, item_id: string, options: ItemWriteOptions = {}): Promise<AdapterDeleteOutcome> {
    const custom = this.unconditional(stream_name, options);
    if (!custom) return this.adapter.delete(stream_name, group_id, item_id, options);
    const result = await custom.delete({ stream_name, group_id, item_id });
    if (result === undefined || result === null) throw new Error(`custom stream "${stream_name}" delete returned no result`);
    if (typeof result !== 'object' || Array.isArray(result)) throw new StreamsCustomResultError('delete', stream_name, '{ old_value? }');
    const old_value = result.old_value ?? null;
    if (old_value === null) return { old_value, version: null, envelope: null };
    const envelope = await this.publish({ streamName: stream_name, groupId: group_id, id: item_id, event: { type: 'delete', data: old_value } });
    return { old_value, version: eventVersion(envelope), envelope };
  }

  async list(stream_name: string, group_id: string): Promise<unknown[]> {
    const custom = this.custom.find(stream_name);
    if (!custom) return this.adapter.list(stream_name, group_id);
    return (await passThrough('list', stream_name, () => custom.list({ stream_name, group_id }))) ?? [];
  }

  async listGroups(stream_name: string): Promise<string[]> {
    const custom = this.custom.find(stream_name);
    if (!custom) return this.adapter.listGroups(stream_name);
    return (await passThrough('listGroups', stream_name, () => custom.listGroups({ stream_name }))) ?? [];
  }

  /**
   * A join snapshot. Custom streams are read after the position is taken, so a write racing the read may
   * reach the client twice (the same value, harmless) but is never lost.
   */
  async snapshot(stream_name: string, group_id: string, item_id: string | null, versions = false): Promise<StreamSnapshot> {
    const custom = this.custom.find(stream_name);
    // A custom stream keeps no versions: its delta subscriptions get full values only.
    if (!custom) return this.adapter.snapshot(stream_name, group_id, item_id, versions);
    const position = await this.adapter.position(stream_name, group_id);
    const data = item_id === null ? await this.list(stream_name, group_id) : await this.get(stream_name, group_id, item_id);
    return { ...position, data };
  }

  /** Missed events for a resume, or null when the adapter keeps no history or no longer has them all. */
  async replay(stream_name: string, group_id: string, epoch: string, seq: number, versions?: VersionsRead): Promise<StreamReplay | null> {
    // A custom stream keeps no versions: its resumes carry none.
    return (await this.adapter.history?.(stream_name, group_id, epoch, seq, this.custom.find(stream_name) ? undefined : versions)) ?? null;
  }

  /** The group's position now (timestamps for frames that are not events, such as `unauthorized`). */
  position(stream_name: string, group_id: string): Promise<StreamPosition> {
    return this.adapter.position(stream_name, group_id);
  }

  private async publishWrite(
    stream_name: string,
    group_id: string,
    item_id: string,
    result: { old_value: unknown; new_value: unknown },
  ): Promise<AdapterSetOutcome> {
    const type = result.old_value === null ? 'create' : 'update';
    const envelope = await this.publish({ streamName: stream_name, groupId: group_id, id: item_id, event: { type, data: result.new_value } });
    return { old_value: result.old_value, new_value: result.new_value, version: eventVersion(envelope), envelope };
  }

  /** Publishes a custom stream's write (never keyed: those are refused, see `unconditional`). */
  private async publish(message: StreamMessage): Promise<StreamEnvelope> {
    return (await this.adapter.publish(message))!;
  }

  /**
   * The custom stream of that name, if any. A custom stream cannot check a condition or record an
   * idempotency key atomically with its write (user code stores the item), so such a write to one is
   * refused (fail closed).
   */
  private unconditional(stream_name: string, options: ItemWriteOptions): CustomStream | undefined {
    const custom = this.custom.find(stream_name);
    if (custom && options.condition) {
      throw new StreamsInputError(Object.keys(options.condition)[0], `custom stream "${stream_name}" cannot check write conditions (it keeps no item versions)`);
    }
    if (custom && options.ttlMs !== undefined) {
      throw new StreamsInputError('ttl_ms', `custom stream "${stream_name}" cannot expire items (user code stores them)`);
    }
    if (custom && options.idempotency) {
      throw new StreamsInputError('idempotency_key', `custom stream "${stream_name}" cannot apply a write once per key (user code stores its items)`);
    }
    return custom;
  }
}

/** A custom write's version: the position of the event published for it (nothing stores it). */
function eventVersion(envelope: StreamEnvelope): string {
  return formatPosition(envelope.epoch ?? '', envelope.seq);
}

/**
 * Checks a custom stream's write result has the iii shape (a missing `old_value` means "created"). As in
 * iii: no result fails with the operation's `STREAM_*_ERROR` (a plain error the service wraps), the wrong
 * shape with `JSON_ERROR`.
 */
function written<R extends { old_value?: unknown; new_value?: unknown }>(
  result: R | undefined,
  operation: StreamOperation,
  stream_name: string,
): R & { old_value: unknown; new_value: unknown } {
  if (result === undefined || result === null) throw new Error(`custom stream "${stream_name}" ${operation} returned no result`);
  if (typeof result !== 'object' || Array.isArray(result) || !('new_value' in result)) {
    throw new StreamsCustomResultError(operation, stream_name, '{ old_value?, new_value }');
  }
  return { ...result, old_value: result.old_value ?? null, new_value: result.new_value };
}

/** Runs a custom read; what it throws reaches the caller with its own code and message, as in iii. */
async function passThrough<T>(operation: StreamOperation, stream_name: string, read: () => T | Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw error instanceof StreamsError ? error : new StreamsCustomStreamError(operation, stream_name, error);
  }
}
