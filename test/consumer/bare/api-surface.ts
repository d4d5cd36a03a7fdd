/*
 * Compiled (plain tsc, skipLibCheck false) in an app that installed only nest-realtime-streams and its
 * required peers, so every declaration the main entry publishes must check without @types/ws, lmdb or ioredis.
 */
import { StreamsModule, type StreamsModuleAsyncOptions, type StreamsOptionsFactory, StreamsService } from 'nest-realtime-streams';

export class StreamsConfig implements StreamsOptionsFactory {
  createStreamsOptions() {
    return { port: 0, adapter: { type: 'redis' as const, url: 'redis://127.0.0.1:6379' } };
  }
}

export const asyncOptions: StreamsModuleAsyncOptions = { useClass: StreamsConfig, isGlobal: true };
export const streamsModule = StreamsModule.forRootAsync(asyncOptions);
export type Service = StreamsService;
