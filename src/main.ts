import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AddressInfo } from 'node:net';
import { StreamsListener } from 'nest-realtime-streams';
import { AppModule } from './app.module';
import { configureDemoApp } from './app.setup';
import { type DemoConfig, DemoConfigError, loadDemoConfig } from './config/demo.config';
import { explainPortErrors, StartupError } from './startup/port-errors';
import { explainStoreErrors } from './startup/store-errors';
import { startupBanner } from './startup/startup-banner';

/** Binds both listeners and returns the banner. The streams listener binds during init, HTTP in listen. */
async function listen(app: NestExpressApplication, config: DemoConfig): Promise<string> {
  await explainPortErrors({ role: 'streams listener', port: config.streams.port, variable: 'STREAMS_PORT' }, () => app.init());
  await explainPortErrors({ role: 'HTTP server', port: config.httpPort, variable: 'PORT' }, () => app.listen(config.httpPort));
  const httpPort = (app.getHttpServer().address() as AddressInfo).port;
  const streamsPath = config.streams.attachPath ?? '/';
  return startupBanner({ httpPort, streamsPort: app.get(StreamsListener).address().port, streamsPath, adapter: config.streams.adapter });
}

async function bootstrap(): Promise<void> {
  let app: NestExpressApplication | undefined;
  try {
    // Read once up front (the module reads the same variables): a bad variable then gets a one-line answer
    // instead of a Nest stack trace. Importing AppModule has already loaded any `.env` file.
    const config = loadDemoConfig(process.env);
    // Logs are buffered until the app exists: a failing create is then reported once, below, not also as
    // Nest's own stack trace.
    const created = await explainStoreErrors(() => NestFactory.create<NestExpressApplication>(AppModule, { abortOnError: false, bufferLogs: true, autoFlushLogs: false }));
    app = configureDemoApp(created);
    app.flushLogs();
    app.enableShutdownHooks();
    console.log(await listen(app, config));
  } catch (error) {
    const known = error instanceof StartupError || error instanceof DemoConfigError;
    console.error(`\n  Could not start the demo: ${known ? error.message : error instanceof Error ? error.stack : String(error)}\n`);
    await app?.close();
    process.exitCode = 1;
  }
}

void bootstrap();
