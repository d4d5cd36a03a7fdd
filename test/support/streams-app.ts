import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { StreamsModule, type StreamsModuleOptions, StreamsService } from 'nest-realtime-streams';

export interface StreamsTestApp {
  app: INestApplication;
  service: StreamsService;
  url: string;
}

/** Boots a Nest app with StreamsModule on an ephemeral port (plus any fixture providers/modules). */
export async function startStreamsApp(options: StreamsModuleOptions = {}, metadata: ModuleMetadata = {}): Promise<StreamsTestApp> {
  const moduleRef = await Test.createTestingModule({
    ...metadata,
    imports: [StreamsModule.forRoot({ port: 0, host: '127.0.0.1', ...options }), ...(metadata.imports ?? [])],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  const service = app.get(StreamsService);
  return { app, service, url: `ws://127.0.0.1:${service.address().port}` };
}
