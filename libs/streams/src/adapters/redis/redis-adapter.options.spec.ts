import { resolveRedisSettings } from './redis-client.factory';
import { validateRedisAdapterOptions } from './redis-adapter.options';

const issuesOf = (value: Record<string, unknown>) => {
  const issues: string[] = [];
  validateRedisAdapterOptions({ type: 'redis', ...value }, issues);
  return issues;
};

describe('Redis adapter options', () => {
  it('accepts the documented fields', () => {
    expect(issuesOf({})).toEqual([]);
    expect(issuesOf({ url: 'rediss://user:pw@host:6380/2', keyPrefix: 'app:streams', options: { tls: {} }, connectTimeoutMs: 1000, commandTimeoutMs: 250 })).toEqual([]);
  });

  it('names every bad field', () => {
    expect(issuesOf({ url: 'http://x', keyPrefix: 'a{b}', options: { keyPrefix: 'p' }, connectTimeoutMs: 0, commandTimeoutMs: 1.5 })).toEqual([
      'adapter.url must be a redis:// or rediss:// URL (got "http://x")',
      'adapter.keyPrefix must be a non-empty string without "{" or "}"',
      'adapter.options.keyPrefix is not supported (it would not apply to channels); use adapter.keyPrefix',
      'adapter.connectTimeoutMs must be a positive integer of milliseconds (got 0)',
      'adapter.commandTimeoutMs must be a positive integer of milliseconds (got 1.5)',
    ]);
    expect(issuesOf({ keyPrefix: '', options: [] })).toEqual(['adapter.keyPrefix must be a non-empty string without "{" or "}"', 'adapter.options must be an object of ioredis options']);
  });

  it('resolves defaults, lets options tune ioredis, keeps the managed flags, and hides passwords', () => {
    const settings = resolveRedisSettings({ type: 'redis', url: 'redis://:secret@127.0.0.1:6379/0', options: { commandTimeout: 100, lazyConnect: false } });
    expect(settings).toMatchObject({ url: 'redis://:secret@127.0.0.1:6379/0', target: 'redis://:***@127.0.0.1:6379/0', keyPrefix: 'streams', connectTimeoutMs: 5000 });
    expect(settings.options).toMatchObject({ enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 100, lazyConnect: true, autoResubscribe: false });
    expect(resolveRedisSettings({ type: 'redis' })).toMatchObject({ url: 'redis://127.0.0.1:6379', options: { commandTimeout: 5000 } });
    expect(resolveRedisSettings({ type: 'redis', options: { host: '10.0.0.5', port: 6390 } })).toMatchObject({ url: undefined, target: '10.0.0.5:6390' });
  });

  it('takes a Cluster: nodes, credentials, TLS and NAT map; refuses it with url, unknown keys and single-server options', () => {
    const cluster = { nodes: ['redis://10.0.0.1:7000', 'rediss://10.0.0.2:7001'], username: 'app', password: 'pw', tls: { servername: 'r' }, natMap: { '10.0.0.1:7000': { host: 'h', port: 1 } } };
    expect(issuesOf({ cluster })).toEqual([]);
    expect(issuesOf({ url: 'redis://x:1', cluster: { nodes: ['redis://a:1'], natmap: {} }, options: { host: 'x', db: 2 } })).toEqual([
      "adapter.url and adapter.cluster are mutually exclusive: list the Cluster's nodes in adapter.cluster.nodes",
      'adapter.cluster.natmap is not a known option (known: nodes, username, password, tls, natMap)',
      'adapter.options.host does not apply to a Cluster (nodes come from adapter.cluster.nodes; a Cluster has only db 0)',
      'adapter.options.db does not apply to a Cluster (nodes come from adapter.cluster.nodes; a Cluster has only db 0)',
    ]);
    expect(issuesOf({ cluster: { nodes: [] } })).toEqual(['adapter.cluster.nodes must be a non-empty list of redis://host:port or rediss://host:port URLs without credentials (got [])']);
    expect(issuesOf({ cluster: { nodes: ['redis://u:p@a:1'], tls: 'yes', natMap: { a: 1 } } })).toHaveLength(3);
  });

  it('resolves a Cluster: credentials and TLS reach every node, fail-fast flags kept, no password in the target', () => {
    const settings = resolveRedisSettings({ type: 'redis', cluster: { nodes: ['rediss://10.0.0.1:7000'], password: 'secret' }, commandTimeoutMs: 300 });
    expect(settings.cluster).toEqual({ nodes: [{ host: '10.0.0.1', port: 7000 }], natMap: undefined });
    expect(settings.options).toMatchObject({ password: 'secret', tls: {}, enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 300, autoResubscribe: false });
    expect(settings.target).toBe('Redis Cluster 10.0.0.1:7000');
  });
});
