import { Module, ValidationPipe } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_PIPE } from '@nestjs/core';
import { StreamsModule } from 'nest-realtime-streams';
import { demoAuth } from './chat/chat.auth';
import { ChatModule } from './chat/chat.module';
import { demoConfig, type DemoConfig } from './config/demo.config';
import { MetricsModule } from './metrics/metrics.module';
import { NotificationsModule } from './notifications/notifications.module';
import { OpsModule } from './ops/ops.module';
import { TodosModule } from './todos/todos.module';
import { WebModule } from './web/web.module';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, load: [demoConfig] }),
    StreamsModule.forRootAsync({
      inject: [demoConfig.KEY],
      useFactory: ({ streams }: DemoConfig) => ({
        ...(streams.attachPath ? { attach: { path: streams.attachPath } } : { port: streams.port, host: streams.host }),
        adapter: streams.adapter,
        authFunction: demoAuth,
      }),
    }),
    MetricsModule,
    ChatModule,
    NotificationsModule,
    OpsModule,
    TodosModule,
    WebModule,
  ],
  providers: [
    // Global, so the in-process tests get it too: unknown fields are refused, DTOs are transformed.
    { provide: APP_PIPE, useValue: new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }) },
  ],
})
export class AppModule {}
