import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { StreamsModule, type StreamsAdapterOptions, StreamsService } from 'nest-realtime-streams';
import { BENCH_EVENT, BENCH_GROUP, BENCH_STREAM, type BenchPayload } from '../wire';
import type { BenchServer } from './bench-server';
import type { PublishOp, WriteOp } from './server-api';

/** Item the fan-out `set` rows overwrite: one item, so every write publishes an `update` of the same size. */
const FANOUT_ITEM = 'item';

/**
 * This module in a plain Nest application context with default options (heartbeat included), except a
 * loopback ephemeral port, the adapter under test and, for the window rows, `writeDelayMs`. Everything goes through the public StreamsService.
 */
export class StreamsBenchServer implements BenchServer {
  private service: StreamsService | null = null;

  constructor(
    private readonly adapter: StreamsAdapterOptions,
    /** Undefined: the module's default. */
    private readonly writeDelayMs?: number,
  ) {}

  async listen(): Promise<number> {
    @Module({ imports: [StreamsModule.forRoot({ port: 0, host: '127.0.0.1', adapter: this.adapter, writeDelayMs: this.writeDelayMs })] })
    class BenchAppModule {}
    const app = await NestFactory.createApplicationContext(BenchAppModule, { logger: ['error', 'warn'], abortOnError: false });
    const service = app.get(StreamsService);
    this.service = service;
    return service.address().port;
  }

  async publish(op: PublishOp, payload: BenchPayload): Promise<void> {
    const service = this.ready();
    if (op === 'set') await service.set({ stream_name: BENCH_STREAM, group_id: BENCH_GROUP, item_id: FANOUT_ITEM, data: payload });
    else await service.send({ stream_name: BENCH_STREAM, group_id: BENCH_GROUP, type: BENCH_EVENT, data: payload });
  }

  /** Write-throughput rows: nobody subscribes to these groups, so they measure the write path alone. */
  write(op: WriteOp, group: string, item: string, payload: BenchPayload): Promise<unknown> {
    const ref = { stream_name: BENCH_STREAM, group_id: group, item_id: item };
    if (op === 'set') return this.ready().set({ ...ref, data: payload });
    return this.ready().update({
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
