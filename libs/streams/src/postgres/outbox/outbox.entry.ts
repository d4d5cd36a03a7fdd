import { StreamsInputError } from '../../errors/streams.errors';
import type { StreamDeleteInput, StreamSendInput, StreamSetInput, StreamUpdateInput } from '../../interfaces/stream-payloads.interface';
import { json, name, optionalName, record, ttlMs, updateOps, writeCondition } from '../../service/streams-input.validator';
import { groupHash } from './outbox.table';

/**
 * The inputs of StreamsService's writes, conditions and `ttl_ms` included, without `idempotency_key`: the
 * relay keys each write with its row id. A `ttl_ms` counts from when the relay applies the write.
 */
export type OutboxSetInput<T = unknown> = Omit<StreamSetInput<T>, 'idempotency_key'>;
export type OutboxUpdateInput = Omit<StreamUpdateInput, 'idempotency_key'>;
export type OutboxDeleteInput = Omit<StreamDeleteInput, 'idempotency_key'>;
export type OutboxSendInput<T = unknown> = Omit<StreamSendInput<T>, 'idempotency_key'>;

export type OutboxOperation = 'set' | 'update' | 'delete' | 'send';

/** A validated outbox write: its group, the group's lock key, and the rest of the call as JSON text. */
export interface OutboxEntry {
  stream: string;
  group: string;
  hash: number;
  operation: OutboxOperation;
  payload: string;
}

/**
 * Checks the input as StreamsService would (same validators, same StreamsInputError), inside the app's
 * transaction, so a bad write fails its transaction instead of dead-lettering later.
 */
export function outboxEntry(operation: OutboxOperation, input: unknown): OutboxEntry {
  const p = record(input);
  if (p.idempotency_key !== undefined) throw new StreamsInputError('idempotency_key', 'is set by the outbox (the row id): leave it out');
  const stream = name(p, 'stream_name');
  const group = name(p, 'group_id');
  return { stream, group, hash: groupHash(stream, group), operation, payload: JSON.stringify(call(operation, p)) };
}

function call(operation: OutboxOperation, p: Record<string, unknown>): Record<string, unknown> {
  if (operation === 'send') {
    if (typeof p.type !== 'string') throw new StreamsInputError('type', 'must be a string');
    return { type: p.type, data: json(p, 'data'), id: optionalName(p, 'id') };
  }
  const item = { item_id: name(p, 'item_id'), ...writeCondition(p) };
  if (operation === 'delete') return item;
  const ttl = { ttl_ms: ttlMs(p) };
  return operation === 'set' ? { ...item, data: json(p, 'data'), ...ttl } : { ...item, ops: updateOps(p), ...ttl };
}
