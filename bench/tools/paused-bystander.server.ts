import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import type { WebSocket } from 'ws';
import { StreamsListener, StreamsModule, type StreamsModuleOptions, StreamsService } from 'nest-realtime-streams';
import { StreamsGateway } from 'nest-realtime-streams/gateway/streams.gateway';
import { serve } from '../ipc/rpc-child';
import { publishMessages } from '../servers/publisher';
import type { PublishResult } from '../servers/server-api';
import { BENCH_GROUP, BENCH_STREAM } from '../wire';

/** How often what each socket holds is read while the run publishes (a peak is missed by at most this much traffic). */
const SAMPLE_MS = 10;

export interface PausedRunArgs {
  count: number;
  size: number;
  rate: number;
  /** Items the updates rotate over: more than fit in `limits.bufferedBytes`, so a paused socket's frames cannot all coalesce. */
  items: number;
}

export interface PausedRunStats {
  cpuUs: number;
  /** Time spent in garbage collection during the run, and its longest pause. */
  gcMs: number;
  gcMaxMs: number;
  /** The server's event-loop delay: its 99th percentile and its longest stall, ms. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** Per socket, the most bytes it held at once (its TCP buffer, its batch and its waiting frames), largest first. */
  heldPeaks: number[];
  rssPeak: number;
  /** Peak of V8 heap in use plus memory outside it held by JS objects (Buffers). */
  heapAndExternalPeak: number;
  slowConsumerCloses: number;
}

export type PausedServerApi = {
  start(options: StreamsModuleOptions): Promise<{ port: number; bufferedBytes: number }>;
  publish(args: PausedRunArgs): Promise<PublishResult>;
  finish(): PausedRunStats;
};

/**
 * What a socket's outbound side holds, read from the library's own accounting: ws's `bufferedAmount` and
 * the queue's batched and waiting bytes. Read from its fields, which every commit this tool compares has
 * (the queue is `outbound` or, before the transport split, `out`; no batch before batched writes).
 */
interface ConnectionView {
  socket: WebSocket;
  outbound?: QueueView;
  out?: QueueView;
}
interface QueueView {
  waitingBytes: number;
  batchBytes?: number;
}

function held(connection: ConnectionView): number {
  const queue = connection.outbound ?? connection.out;
  return connection.socket.bufferedAmount + (queue?.waitingBytes ?? 0) + (queue?.batchBytes ?? 0);
}

let service: StreamsService | null = null;
let connections: Set<ConnectionView> = new Set();
let metrics: { slowConsumerCloses: number } = { slowConsumerCloses: 0 };
const peaks = new Map<ConnectionView, number>();
let rssPeak = 0;
let heapPeak = 0;
let gcMs = 0;
let gcMaxMs = 0;
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
let cpuMark = process.cpuUsage();
let sampler: NodeJS.Timeout | null = null;

function sample(): void {
  for (const connection of connections) peaks.set(connection, Math.max(peaks.get(connection) ?? 0, held(connection)));
  const usage = process.memoryUsage();
  rssPeak = Math.max(rssPeak, usage.rss);
  heapPeak = Math.max(heapPeak, usage.heapUsed + usage.external);
}

new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gcMs += entry.duration;
    gcMaxMs = Math.max(gcMaxMs, entry.duration);
  }
}).observe({ entryTypes: ['gc'] });

serve<PausedServerApi>({
  start: async (options) => {
    @Module({ imports: [StreamsModule.forRoot({ port: 0, host: '127.0.0.1', ...options })] })
    class PausedBystanderModule {}
    const app = await NestFactory.createApplicationContext(PausedBystanderModule, { logger: ['error', 'warn'], abortOnError: false });
    const streams = app.get(StreamsService);
    service = streams;
    const gateway = app.get(StreamsGateway) as unknown as { connections: Set<ConnectionView>; metrics: typeof metrics; options: { limits: { bufferedBytes: number } } };
    connections = gateway.connections;
    metrics = gateway.metrics;
    return { port: app.get(StreamsListener).address().port, bufferedBytes: gateway.options.limits.bufferedBytes };
  },
  publish: (args) => {
    const streams = service;
    if (!streams) throw new Error('server not started');
    cpuMark = process.cpuUsage();
    gcMs = 0;
    gcMaxMs = 0;
    loopDelay.enable();
    sampler = setInterval(sample, SAMPLE_MS);
    let n = 0;
    return publishMessages({ op: 'set', count: args.count, size: args.size, rate: args.rate, burst: null }, (data) =>
      streams.set({ stream_name: BENCH_STREAM, group_id: BENCH_GROUP, item_id: `i${n++ % args.items}`, data }),
    );
  },
  finish: () => {
    if (sampler) clearInterval(sampler);
    sample();
    loopDelay.disable();
    const cpu = process.cpuUsage(cpuMark);
    return {
      cpuUs: cpu.user + cpu.system,
      gcMs,
      gcMaxMs,
      loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
      loopDelayMaxMs: loopDelay.max / 1e6,
      heldPeaks: [...peaks.values()].sort((a, b) => b - a),
      rssPeak,
      heapAndExternalPeak: heapPeak,
      slowConsumerCloses: metrics.slowConsumerCloses,
    };
  },
});
