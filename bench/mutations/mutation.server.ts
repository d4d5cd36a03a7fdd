import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { OnStreamMutation, StreamsListener, StreamsModule, type StreamsModuleOptions, StreamsService, type StreamMutationPayload } from 'nest-realtime-streams';
import { serve } from '../ipc/rpc-child';

export type MutationServerApi = {
  start(options: StreamsModuleOptions): Promise<{ port: number }>;
  /** CPU time this process used since the previous call, µs. */
  cpu(): number;
};

/** The benchmark's one mutation: an atomic increment of the client's own counter (one write, no subscriber). */
@Injectable()
class BenchMutations {
  constructor(private readonly streams: StreamsService) {}

  @OnStreamMutation('bench.inc')
  async inc({ client_id }: StreamMutationPayload): Promise<void> {
    await this.streams.update({ stream_name: 'bench', group_id: client_id, item_id: 'n', ops: [{ type: 'increment', path: 'n', by: 1 }] });
  }
}

let mark = process.cpuUsage();

serve<MutationServerApi>({
  start: async (options) => {
    @Module({ imports: [StreamsModule.forRoot({ port: 0, host: '127.0.0.1', ...options })], providers: [BenchMutations] })
    class MutationBenchModule {}
    const app = await NestFactory.createApplicationContext(MutationBenchModule, { logger: ['error', 'warn'], abortOnError: false });
    mark = process.cpuUsage();
    return { port: app.get(StreamsListener).address().port };
  },
  cpu: () => {
    const used = process.cpuUsage(mark);
    mark = process.cpuUsage();
    return used.user + used.system;
  },
});
