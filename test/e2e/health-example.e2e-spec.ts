import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { StreamsModule } from 'nest-realtime-streams';
import { HealthModule } from '../../examples/health.example';
import { ThrowawayRedis, describeRedis } from '../support/redis';


async function boot(options: Parameters<typeof StreamsModule.forRoot>[0]): Promise<{ app: INestApplication; url: string }> {
  const moduleRef = await Test.createTestingModule({ imports: [StreamsModule.forRoot({ port: 0, host: '127.0.0.1', ...options }), HealthModule] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}

describe('README "Health checks" example', () => {
  it('answers 200 with the streams indicator up', async () => {
    const { app, url } = await boot({});
    try {
      const res = await fetch(`${url}/health`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: 'ok', info: { streams: { status: 'up' } } });
    } finally {
      await app.close();
    }
  });

  describeRedis(
    'on Redis',
    () => {
      it('answers 503 with the indicator down while Redis does not answer, 200 again once it does', async () => {
        const redis = await ThrowawayRedis.start();
        const { app, url } = await boot({ adapter: { type: 'redis', url: redis.url, commandTimeoutMs: 500 } });
        try {
          expect((await fetch(`${url}/health`)).status).toBe(200);
          redis.signal('SIGSTOP');
          const down = await fetch(`${url}/health`);
          expect(down.status).toBe(503);
          expect(await down.json()).toMatchObject({ status: 'error', error: { streams: { status: 'down' } } });
          redis.signal('SIGCONT');
          expect((await fetch(`${url}/health`)).status).toBe(200);
        } finally {
          redis.signal('SIGCONT');
          await app.close();
          await redis.dispose();
        }
      });
    },
    { ownServer: true },
  );
});
