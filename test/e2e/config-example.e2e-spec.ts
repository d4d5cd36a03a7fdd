import { createServer } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { StreamsListener, StreamsService } from 'nest-realtime-streams';
import { AppModule } from '../../examples/config-from-env.example';
import { streamsOptions } from '../../examples/options.example';
import { resolveStreamsOptions } from '../../libs/streams/src/options/streams-options.resolver';
import { REDIS_URL, describeRedis, deletePrefix, uniquePrefix } from '../support/redis';
import { TestClient } from '../support/ws-client';


/** A port free right now, as the string an environment variable holds. */
async function freePort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return String(port);
}

/** Boots the example with these environment variables (restored afterwards). */
async function boot(env: Record<string, string>): Promise<INestApplication> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    return app;
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}

describe('README "Configuration from the environment" example', () => {
  it('listens on the port the environment names, as a string, with the memory adapter', async () => {
    const port = await freePort();
    const app = await boot({ STREAMS_PORT: port });
    try {
      expect(app.get(StreamsListener).address().port).toBe(Number(port));
      const client = await TestClient.connect(`ws://127.0.0.1:${port}/stream/s/g`);
      expect(await client.next()).toMatchObject({ event: { type: 'sync', data: [] } });
      client.close();
    } finally {
      await app.close();
    }
  });

  describeRedis('with REDIS_URL', () => {
    const prefix = uniquePrefix('config-example');
    afterAll(() => deletePrefix(prefix));

    it('stores in Redis under REDIS_PREFIX', async () => {
      const app = await boot({ STREAMS_PORT: '0', REDIS_URL, REDIS_PREFIX: prefix });
      try {
        await app.get(StreamsService).set({ stream_name: 's', group_id: 'g', item_id: 'i', data: 1 });
        const other = await boot({ STREAMS_PORT: '0', REDIS_URL, REDIS_PREFIX: prefix });
        await expect(other.get(StreamsService).get({ stream_name: 's', group_id: 'g', item_id: 'i' })).resolves.toBe(1);
        await other.close();
      } finally {
        await app.close();
      }
    });
  });
});

describe('README "Configuration" example', () => {
  it('spells out every option group at its default', () => {
    expect(resolveStreamsOptions(streamsOptions)).toEqual(resolveStreamsOptions(undefined));
  });
});
