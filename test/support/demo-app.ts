import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import type { AddressInfo } from 'node:net';
import { StreamsListener } from 'nest-realtime-streams';
import { AppModule } from '../../src/app.module';
import { configureDemoApp } from '../../src/app.setup';
import { demoConfig, type DemoConfig, loadDemoConfig } from '../../src/config/demo.config';

export interface DemoTestApp {
  app: NestExpressApplication;
  config: DemoConfig;
  httpUrl: string;
  streamsUrl: string;
}

/**
 * Boots the whole demo in-process for tests: memory adapter, both listeners on free loopback ports (unless
 * PORT / STREAMS_PORT name them), and
 * any other environment variable as given (e.g. a short METRICS_INTERVAL_MS), or the adapter options given.
 * Close it with `app.close()`.
 */
export async function startDemoApp(env: Record<string, string> = {}, adapter?: DemoConfig['streams']['adapter']): Promise<DemoTestApp> {
  // With STREAMS_ATTACH_PATH the streams share the HTTP port: no port of their own to pick.
  const ownPort = env.STREAMS_ATTACH_PATH ? {} : { STREAMS_PORT: '0', STREAMS_HOST: '127.0.0.1' };
  const config = loadDemoConfig({ STREAMS_ADAPTER: 'memory', ...ownPort, ...env });
  // Tests on the shared Redis need their own key prefix, which the demo's environment does not set.
  if (adapter) config.streams.adapter = adapter;
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).overrideProvider(demoConfig.KEY).useValue(config).compile();
  const app = configureDemoApp(moduleRef.createNestApplication<NestExpressApplication>({ logger: false }));
  await app.listen(Number(env.PORT ?? 0), '127.0.0.1');
  const httpPort = (app.getHttpServer().address() as AddressInfo).port;
  const streamsPort = app.get(StreamsListener).address().port;
  return { app, config, httpUrl: `http://127.0.0.1:${httpPort}`, streamsUrl: `ws://127.0.0.1:${streamsPort}${config.streams.attachPath ?? ''}/` };
}
