import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { StreamsListener, StreamsModule, type StreamsModuleOptions, StreamsService } from 'nest-realtime-streams';

export interface StreamsTestApp {
  app: INestApplication;
  service: StreamsService;
  listener: StreamsListener;
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
  const listener = app.get(StreamsListener);
  return { app, service: app.get(StreamsService), listener, url: `ws://127.0.0.1:${listener.address().port}` };
}
