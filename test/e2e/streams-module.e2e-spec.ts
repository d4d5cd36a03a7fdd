import { Injectable, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { StreamsListener, StreamsModule, StreamsOptionsError, StreamsService } from 'nest-realtime-streams';
import { createServer } from 'node:net';

@Injectable()
class Consumer {
  constructor(readonly streams: StreamsService) {}
}

@Module({ providers: [Consumer], exports: [Consumer] })
class FeatureModule {}

describe('StreamsModule (SPEC §3)', () => {
  it('forRoot is global by default: a feature module injects StreamsService without importing the module', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [StreamsModule.forRoot({ port: 0 }), FeatureModule] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    const consumer = app.get(Consumer);
    await consumer.streams.set({ stream_name: 's', group_id: 'g', item_id: 'i', data: 1 });
    await expect(app.get(StreamsService).get({ stream_name: 's', group_id: 'g', item_id: 'i' })).resolves.toBe(1);
    await app.close();
  });

  it('forRootAsync with useFactory and inject: [ConfigService] works', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ STREAMS_PORT: 0, STREAMS_HOST: '127.0.0.1' })] }),
        StreamsModule.forRootAsync({
          imports: [ConfigModule],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({ port: config.get<number>('STREAMS_PORT'), host: config.get<string>('STREAMS_HOST') }),
        }),
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    const address = app.get(StreamsListener).address();
    expect(address.host).toBe('127.0.0.1');
    expect(address.port).toBeGreaterThan(0);
    await app.close();
  });

  it('bootstrap fails with one message naming every bad option', async () => {
    const build = Test.createTestingModule({ imports: [StreamsModule.forRoot({ port: -1, adapter: { type: 'nope' } as never })] }).compile();
    await expect(build).rejects.toBeInstanceOf(StreamsOptionsError);
    await expect(
      Test.createTestingModule({ imports: [StreamsModule.forRoot({ port: -1, adapter: { type: 'nope' } as never })] }).compile(),
    ).rejects.toThrow(/port must be an integer[\s\S]*adapter\.type must be one of/);
  });

  it('a busy port fails bootstrap with an error naming the address', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    const moduleRef = await Test.createTestingModule({ imports: [StreamsModule.forRoot({ port, host: '127.0.0.1' })] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await expect(app.init()).rejects.toThrow(`Streams listener could not bind 127.0.0.1:${port}: EADDRINUSE`);
    await app.close().catch(() => undefined);
    await new Promise((r) => blocker.close(r));
  });

  it('address() before init says what to do', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [StreamsModule.forRoot({ port: 0 })] }).compile();
    expect(() => moduleRef.get(StreamsListener).address()).toThrow(/app.init\(\)/);
    await moduleRef.close();
  });
});
