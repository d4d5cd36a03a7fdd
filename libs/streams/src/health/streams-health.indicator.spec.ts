import type { TestingModule } from '@nestjs/testing';
import { Test } from '@nestjs/testing';
import { TerminusModule } from '@nestjs/terminus';
import { StreamsModule } from 'nest-realtime-streams';
import { StreamsHealthIndicator } from 'nest-realtime-streams/health';
import { describeRedis, ThrowawayRedis } from '../../../../test/support/redis';
import type { StreamsAdapterOptions } from '../options/streams-options.interface';
import { STREAMS_ADAPTER } from '../streams.constants';

describe('StreamsHealthIndicator', () => {
  const modules: TestingModule[] = [];
  const indicatorWith = async (adapter: StreamsAdapterOptions = { type: 'memory' }, fake?: { ping(): Promise<void> }) => {
    const builder = Test.createTestingModule({
      imports: [TerminusModule, StreamsModule.forRoot({ port: 0, host: '127.0.0.1', adapter })],
      providers: [StreamsHealthIndicator],
    });
    if (fake) builder.overrideProvider(STREAMS_ADAPTER).useValue({ ...fake, attach: () => undefined, close: async () => undefined });
    const moduleRef = await builder.compile();
    modules.push(moduleRef);
    return moduleRef.get(StreamsHealthIndicator);
  };

  afterEach(async () => {
    for (const m of modules.splice(0)) await m.close();
  });

  it('is up while the adapter answers', async () => {
    const indicator = await indicatorWith();
    await expect(indicator.isHealthy()).resolves.toEqual({ streams: { status: 'up' } });
    await expect(indicator.isHealthy('realtime')).resolves.toEqual({ realtime: { status: 'up' } });
  });

  it('is down, with the reason, when the adapter fails or does not answer in time', async () => {
    const failing = await indicatorWith(undefined, { ping: () => Promise.reject(new Error('ping failed')) });
    await expect(failing.isHealthy()).resolves.toEqual({ streams: { status: 'down', message: 'ping failed' } });
    const hanging = await indicatorWith(undefined, { ping: () => new Promise(() => undefined) });
    await expect(hanging.isHealthy('streams', 50)).resolves.toEqual({ streams: { status: 'down', message: 'no answer within 50 ms' } });
  });

  describeRedis(
    'with the Redis adapter',
    () => {
      let redis: ThrowawayRedis;
      beforeAll(async () => (redis = await ThrowawayRedis.start()));
      afterAll(() => redis.dispose());

      it('is up while Redis answers and down as soon as it is gone', async () => {
        const indicator = await indicatorWith({ type: 'redis', url: redis.url });
        await expect(indicator.isHealthy()).resolves.toEqual({ streams: { status: 'up' } });
        await redis.kill();
        const result = await indicator.isHealthy();
        expect(result.streams.status).toBe('down');
        expect(result.streams.message).toMatch(/^Redis ping failed: redis:\/\/127\.0\.0\.1:\d+ is unavailable/);
      });
    },
    { ownServer: true },
  );
});
