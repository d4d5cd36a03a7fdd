import { DemoConfigError, loadDemoConfig } from './demo.config';

describe('loadDemoConfig', () => {
  it('defaults: HTTP 3000, streams 3112 on all interfaces, file adapter under ./data/streams, 1 s metrics', () => {
    expect(loadDemoConfig({})).toEqual({
      httpPort: 3000,
      streams: { port: 3112, host: '0.0.0.0', attachPath: null, adapter: { type: 'file', path: './data/streams' }, publicUrl: null },
      metricsIntervalMs: 1000,
      chatHistoryLimit: 200,
    });
  });

  it('REDIS_CLUSTER_NODES alone switches to the Redis adapter on that Cluster', () => {
    expect(loadDemoConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7000,10.0.0.2:7001' }).streams.adapter).toEqual({
      type: 'redis',
      cluster: { nodes: ['redis://10.0.0.1:7000', 'redis://10.0.0.2:7001'] },
    });
    expect(() => loadDemoConfig({ REDIS_CLUSTER_NODES: 'redis://x:1' })).toThrow(/REDIS_CLUSTER_NODES must be host:port/);
    expect(() => loadDemoConfig({ REDIS_CLUSTER_NODES: 'a:1', REDIS_URL: 'redis://b:2' })).toThrow(/REDIS_URL and REDIS_CLUSTER_NODES are mutually exclusive/);
  });

  it('REDIS_URL alone switches to Redis; STREAMS_ADAPTER picks explicitly', () => {
    expect(loadDemoConfig({ REDIS_URL: 'redis://cache:6379/2' }).streams.adapter).toEqual({ type: 'redis', url: 'redis://cache:6379/2' });
    expect(loadDemoConfig({ REDIS_URL: 'redis://cache:6379', STREAMS_ADAPTER: 'memory' }).streams.adapter).toEqual({ type: 'memory' });
    expect(loadDemoConfig({ STREAMS_ADAPTER: 'redis' }).streams.adapter).toEqual({ type: 'redis', url: 'redis://127.0.0.1:6379' });
    expect(loadDemoConfig({ STREAMS_ADAPTER: 'file', STREAMS_DATA_DIR: '/var/lib/demo' }).streams.adapter).toEqual({ type: 'file', path: '/var/lib/demo' });
  });

  it('reads numbers and URLs; empty variables count as unset', () => {
    const config = loadDemoConfig({ PORT: '8080', STREAMS_PORT: '0', STREAMS_HOST: '127.0.0.1', METRICS_INTERVAL_MS: '250', CHAT_HISTORY_LIMIT: '5', STREAMS_PUBLIC_URL: 'wss://demo.example/streams', STREAMS_DATA_DIR: ' ' });
    expect(config).toEqual({
      httpPort: 8080,
      streams: { port: 0, host: '127.0.0.1', attachPath: null, adapter: { type: 'file', path: './data/streams' }, publicUrl: 'wss://demo.example/streams' },
      metricsIntervalMs: 250,
      chatHistoryLimit: 5,
    });
  });

  it('names every bad variable in one error', () => {
    const load = () => loadDemoConfig({ PORT: 'eighty', STREAMS_PORT: '70000', STREAMS_ADAPTER: 'sqlite', REDIS_URL: 'http://x', METRICS_INTERVAL_MS: '1' });
    expect(load).toThrow(DemoConfigError);
    expect(load).toThrow(
      'Invalid environment: PORT must be an integer from 0 to 65535 (got "eighty"); STREAMS_PORT must be an integer from 0 to 65535 (got 70000); ' +
        'STREAMS_ADAPTER must be one of the following values: memory, file, redis; REDIS_URL must be a redis:// or rediss:// URL; ' +
        'METRICS_INTERVAL_MS must be an integer from 10 to 3600000 (got 1)',
    );
  });
});
