import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { StreamsListener, StreamsModule, type StreamsAdapterOptions, StreamsService } from 'nest-realtime-streams';
import { BENCH_EVENT, BENCH_GROUP, BENCH_STREAM, type BenchPayload } from '../wire';
import type { BenchServer } from './bench-server';
import type { PublishOp, WriteOp } from './server-api';

/** Item the fan-out `set` rows overwrite: one item, so every write publishes an `update` of the same size. */
const FANOUT_ITEM = 'item';

/**
 * This module in a plain Nest application context with default options (heartbeat included), except a
 * loopback ephemeral port, the adapter under test and, for the window rows, `writes.delayMs`. Everything goes through the public API (StreamsService, StreamsListener).
 */
export class StreamsBenchServer implements BenchServer {
  private service: StreamsService | null = null;
  /** Version of each written item (`group/item`) from its last write here, for the `set-if-version` rows. */
  private readonly versions = new Map<string, string>();
  /** Makes every `set-keyed` write's key unique in this process. */
  private keyedWrites = 0;

  constructor(
    private readonly adapter: StreamsAdapterOptions,
    /** Undefined: the module's default. */
    private readonly writeDelayMs?: number,
  ) {}

  async listen(): Promise<number> {
    @Module({ imports: [StreamsModule.forRoot({ port: 0, host: '127.0.0.1', adapter: this.adapter, writes: { delayMs: this.writeDelayMs } })] })
    class BenchAppModule {}
    const app = await NestFactory.createApplicationContext(BenchAppModule, { logger: ['error', 'warn'], abortOnError: false });
    this.service = app.get(StreamsService);
    return app.get(StreamsListener).address().port;
  }

  async publish(op: PublishOp, payload: BenchPayload): Promise<void> {
    const service = this.ready();
    if (op === 'set') await service.set({ stream_name: BENCH_STREAM, group_id: BENCH_GROUP, item_id: FANOUT_ITEM, data: payload });
    else await service.send({ stream_name: BENCH_STREAM, group_id: BENCH_GROUP, type: BENCH_EVENT, data: payload });
  }

  /** Write-throughput rows: nobody subscribes to these groups, so they measure the write path alone. */
  async write(op: WriteOp, group: string, item: string, payload: BenchPayload): Promise<unknown> {
    const ref = { stream_name: BENCH_STREAM, group_id: group, item_id: item };
    const key = `${group}/${item}`;
    const result = await this.writeItem(op, ref, key, payload);
    this.versions.set(key, result.version);
    return result;
  }

  private writeItem(op: WriteOp, ref: { stream_name: string; group_id: string; item_id: string }, key: string, payload: BenchPayload): Promise<{ version: string }> {
    const service = this.ready();
    if (op === 'set') return service.set({ ...ref, data: payload });
    if (op === 'set-keyed') return service.set({ ...ref, data: payload, idempotency_key: `bench-${this.keyedWrites++}` });
    if (op === 'set-if-version') {
      // The warm-up (orchestrate/writes.ts) wrote every item; one not yet written here would get a plain set.
      const version = this.versions.get(key);
      return service.set({ ...ref, data: payload, ...(version === undefined ? {} : { if_version: version }) });
    }
    return service.update({
      ...ref,
      ops: [
        { type: 'increment', path: 'n', by: 1 },
        { type: 'set', path: 'p', value: payload.p },
      ],
    });
  }

  private ready(): StreamsService {
    if (!this.service) throw new Error('server not started');
    return this.service;
  }
}
