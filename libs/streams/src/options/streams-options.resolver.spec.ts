import { StreamsOptionsError } from '../errors/streams.errors';
import { resolveStreamsOptions, STREAMS_DEFAULTS } from './streams-options.resolver';

describe('resolveStreamsOptions (SPEC §3: options validated in one place)', () => {
  it('applies the documented defaults', () => {
    expect(resolveStreamsOptions(undefined)).toEqual({
      ...STREAMS_DEFAULTS,
      attach: null,
      adapter: { type: 'memory' },
      authFunction: null,
      history: { size: 1000, ttlMs: 300_000 },
      idempotency: { ttlMs: 300_000, maxKeysPerGroup: 10_000, maxKeys: 100_000 },
      presence: { maxMembersPerGroup: 100_000, maxListedMembers: 1000, maxUpdatesPerSecond: 20, maxStateBytes: 4096, maxBytesPerSecond: 65_536, ttlMs: 15_000, pollMs: 20_000 },
      metricsRegistry: null,
    });
    expect(STREAMS_DEFAULTS.port).toBe(3112);
    expect(STREAMS_DEFAULTS.host).toBe('0.0.0.0');
  });

  it('keeps valid options as given', () => {
    const auth = () => ({ context: 1 });
    const resolved = resolveStreamsOptions({ port: 0, host: '127.0.0.1', adapter: { type: 'file', path: './data' }, authFunction: auth });
    expect(resolved).toMatchObject({ port: 0, host: '127.0.0.1', adapter: { type: 'file', path: './data' }, authFunction: auth });
  });

  it('fails with one error naming every bad field', () => {
    let error: unknown;
    try {
      resolveStreamsOptions({
        port: 70000,
        host: '',
        adapter: { type: 'redis', url: 'http://nope' },
        authFunction: 'yes' as never,
        maxPayloadBytes: -1,
        heartbeatIntervalMs: 1.5,
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StreamsOptionsError);
    const { issues, message, code } = error as StreamsOptionsError;
    expect(code).toBe('STREAMS_INVALID_OPTIONS');
    for (const field of ['port', 'host', 'adapter.url', 'authFunction', 'maxPayloadBytes', 'heartbeatIntervalMs']) {
      expect(issues.some((i) => i.startsWith(field))).toBe(true);
      expect(message).toContain(field);
    }
    expect(issues).toHaveLength(6);
  });

  it('rejects an unknown adapter type and a file adapter without a path', () => {
    expect(() => resolveStreamsOptions({ adapter: { type: 'mongo' } as never })).toThrow(/adapter.type must be one of memory, file, redis/);
    expect(() => resolveStreamsOptions({ adapter: { type: 'file' } as never })).toThrow(/adapter.path/);
  });

  it('unknown keys are bad fields, listed with the rest: top level, adapter (per type) and history', () => {
    let error: unknown;
    try {
      resolveStreamsOptions({
        prot: 1,
        port: -1,
        adapter: { type: 'redis', urll: 'redis://10.0.0.1:6379', keyPrefix: 'app' },
        history: { size: 10, ttl: 5 },
        presence: { ttl: 5, pollMs: 1 },
      } as never);
    } catch (e) {
      error = e;
    }
    expect((error as StreamsOptionsError).issues).toEqual([
      'prot is not a known option (known: port, host, maxPayloadBytes, maxSubscriptionsPerSocket, maxConnections, heartbeatIntervalMs, handshakeTimeoutMs, maxBufferedBytes, maxQueuedMessagesPerSocket, maxJoinsPerSecond, allowJoinOnHandlerError, maxRefreshesPerMinute, writeDelayMs, writeFastPath, attach, adapter, authFunction, history, idempotency, metricsRegistry, presence)',
      'port must be an integer from 0 to 65535 (got -1)',
      'adapter.urll is not a known option (known: type, url, cluster, options, keyPrefix, connectTimeoutMs, commandTimeoutMs)',
      'history.ttl is not a known option (known: size, ttlMs)',
      'presence.ttl is not a known option (known: maxMembersPerGroup, maxListedMembers, maxUpdatesPerSecond, maxStateBytes, maxBytesPerSecond, ttlMs, pollMs)',
      'presence.pollMs must be an integer from 10 to 600000 (got 1)',
    ]);
    expect(() => resolveStreamsOptions({ adapter: { type: 'memory', path: './x' } as never })).toThrow(/adapter\.path is not a known option \(known: type\)/);
    expect(() => resolveStreamsOptions({ adapter: { type: 'file', path: './x', durabilty: 'flush' } as never })).toThrow(/adapter\.durabilty is not a known option/);
  });

  // forRootAsync with ConfigService: environment variables arrive as strings (README, "Configuration from the environment").
  it('takes whole numbers written in decimal, as ConfigService returns them from the environment; nothing looser', () => {
    const resolved = resolveStreamsOptions({ port: '3200', maxConnections: '500', history: { size: '0' }, presence: { pollMs: '250' } } as never);
    expect([resolved.port, resolved.maxConnections, resolved.history.size, resolved.presence.pollMs]).toEqual([3200, 500, 0, 250]);
    let error: unknown;
    try {
      resolveStreamsOptions({ port: '3200 ', maxConnections: '1e3', heartbeatIntervalMs: '030', handshakeTimeoutMs: '', maxBufferedBytes: '70000.5' } as never);
    } catch (e) {
      error = e;
    }
    expect((error as StreamsOptionsError).issues).toEqual([
      'port must be an integer from 0 to 65535 (got "3200 ")',
      'maxConnections must be an integer from 1 to 10000000 (got "1e3")',
      'heartbeatIntervalMs must be an integer from 0 to 3600000 (got "030")',
      'handshakeTimeoutMs must be an integer from 100 to 600000 (got "")',
      'maxBufferedBytes must be an integer from 1024 to 1073741824 (got "70000.5")',
    ]);
    expect(() => resolveStreamsOptions({ port: '70000' } as never)).toThrow(/port must be an integer from 0 to 65535 \(got "70000"\)/);
  });

  it('checks the bounds options: queue, join rate, and the boolean that restores permissive join handlers', () => {
    expect(() => resolveStreamsOptions({ maxQueuedMessagesPerSocket: 0, maxJoinsPerSecond: 0.5, allowJoinOnHandlerError: 'yes' as never })).toThrow(
      /maxQueuedMessagesPerSocket must be[\s\S]*maxJoinsPerSecond must be[\s\S]*allowJoinOnHandlerError must be true or false/,
    );
    expect(resolveStreamsOptions({ allowJoinOnHandlerError: true }).allowJoinOnHandlerError).toBe(true);
  });

  it('idempotency: bounds checked, unknown keys named, given values kept', () => {
    expect(() => resolveStreamsOptions({ idempotency: { ttlMs: 10, maxKeysPerGroup: 0, maxKeys: 1.5, ttl: 1 } as never })).toThrow(
      /idempotency\.ttl is not a known option[\s\S]*idempotency\.ttlMs must be[\s\S]*idempotency\.maxKeysPerGroup must be[\s\S]*idempotency\.maxKeys must be/,
    );
    expect(() => resolveStreamsOptions({ idempotency: 5 as never })).toThrow(/idempotency must be an object/);
    expect(resolveStreamsOptions({ idempotency: { ttlMs: 60_000, maxKeysPerGroup: 5 } }).idempotency).toEqual({ ttlMs: 60_000, maxKeysPerGroup: 5, maxKeys: 100_000 });
  });

  it('attach (SPEC §12): a path prefix; port and host are refused with it, named in one message', () => {
    expect(resolveStreamsOptions({ attach: { path: '/streams' } }).attach).toEqual({ path: '/streams' });
    expect(resolveStreamsOptions({ attach: { path: '/api/v1/streams' } }).attach).toEqual({ path: '/api/v1/streams' });
    expect(() => resolveStreamsOptions({ attach: { path: '/streams' }, port: 3112, host: '0.0.0.0' })).toThrow(
      "port and host cannot be set with attach (the listener uses the app's server and port)",
    );
    expect(() => resolveStreamsOptions({ attach: { path: '/streams' }, port: 0 })).toThrow(/- port cannot be set with attach/);
    for (const path of ['streams', '/streams/', '/', '/a b', '/s?x=1', '//s']) {
      expect(() => resolveStreamsOptions({ attach: { path } })).toThrow(/attach must be \{ path: '\/prefix' \}/);
    }
    expect(() => resolveStreamsOptions({ attach: { path: '/s', port: 1 } as never })).toThrow(/attach\.port is not a known option/);
  });
});
