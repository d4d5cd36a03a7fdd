import { readFileSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './one-port.example';

/**
 * HTTPS and wss:// on one port: with `attach`, the streams listener serves on the app's own server, so the
 * app's TLS is the listener's. Clients connect to `wss://<host>/streams`.
 */
export async function bootstrapTls(port: number | string = process.env.PORT ?? 443) {
  const httpsOptions = {
    key: readFileSync(process.env.TLS_KEY_FILE ?? 'tls/key.pem'),
    cert: readFileSync(process.env.TLS_CERT_FILE ?? 'tls/cert.pem'),
  };
  const app = await NestFactory.create(AppModule, { httpsOptions });
  app.enableShutdownHooks();
  await app.listen(port);
  return app;
}
