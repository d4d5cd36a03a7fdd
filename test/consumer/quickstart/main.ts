// src/main.ts as `nest new` generated it before 12.6, except that it listens on loopback only and prints its port.
import { NestFactory } from '@nestjs/core';
import type { AddressInfo } from 'node:net';
import { AppModule } from './app.module.js';

async function bootstrap() {
  const app = await NestFactory.create(AppModule);
  await app.listen(0, '127.0.0.1');
  console.log(`READY ${(app.getHttpServer().address() as AddressInfo).port}`);
}
bootstrap();
