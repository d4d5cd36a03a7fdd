import { StreamsOptionsError } from '../errors/streams.errors';
import { resolveStreamsOptions, STREAMS_DEFAULTS } from './streams-options.resolver';

/** The issues a bad set of options fails bootstrap with (one StreamsOptionsError naming them all). */
function issuesOf(options: unknown): string[] {
  try {
    resolveStreamsOptions(options as never);
  } catch (error) {
    expect(error).toBeInstanceOf(StreamsOptionsError);
    return (error as StreamsOptionsError).issues;
  }
  throw new Error('the options were accepted');
}

describe('resolveStreamsOptions (SPEC §3: options validated in one place)', () => {
  it('applies the documented defaults, each group whole', () => {
    expect(resolveStreamsOptions(undefined)).toEqual({
      port: 3112,
      host: '0.0.0.0',
      attach: null,
      adapter: { type: 'memory' },
      authFunction: null,
      limits: {
        connections: 100_000,
        payloadBytes: 1024 * 1024,
        bufferedBytes: 4 * 1024 * 1024,
        subscriptionsPerSocket: 1000,
        queuedMessagesPerSocket: 64,
        joinsPerSecond: 100,
        refreshesPerSecond: 0.2,
      },
      timeouts: { handshakeMs: 10_000, heartbeatIntervalMs: 30_000 },
      writes: { delayMs: 0, fastPath: true },
      handlers: { allowJoinOnError: false },
      history: { size: 1000, maxAgeMs: 300_000 },
      idempotency: { ttlMs: 300_000, maxKeysPerGroup: 10_000, maxKeys: 100_000 },
      presence: { maxMembersPerGroup: 100_000, maxListedMembers: 1000, updatesPerSecond: 20, maxStateBytes: 4096, bytesPerSecond: 65_536 },
      metrics: { registry: null },
      mutations: { inFlightPerSocket: 32, perSecond: 100, argsBytes: 65_536, ledgerSize: 100_000, ledgerTtlMs: 86_400_000, leaseMs: 30_000 },
    });
    expect(STREAMS_DEFAULTS.port).toBe(3112);
    expect(STREAMS_DEFAULTS.host).toBe('0.0.0.0');
  });

  it('keeps valid options as given; a group given in part gets the defaults for the rest', () => {
    const auth = () => ({ context: 1 });
    const resolved = resolveStreamsOptions({
      port: 0,
      host: '127.0.0.1',
      adapter: { type: 'file', path: './data' },
      authFunction: auth,
      limits: { bufferedBytes: 65_536 },
      timeouts: { heartbeatIntervalMs: 0 },
      writes: { fastPath: false },
      handlers: { allowJoinOnError: true },
      history: { maxAgeMs: 60_000 },
    });
    expect(resolved).toMatchObject({ port: 0, host: '127.0.0.1', adapter: { type: 'file', path: './data' }, authFunction: auth });
    expect(resolved.limits).toEqual({ ...STREAMS_DEFAULTS.limits, bufferedBytes: 65_536 });
    expect(resolved.timeouts).toEqual({ handshakeMs: 10_000, heartbeatIntervalMs: 0 });
    expect(resolved.writes).toEqual({ delayMs: 0, fastPath: false });
    expect(resolved.handlers).toEqual({ allowJoinOnError: true });
    expect(resolved.history).toEqual({ size: 1000, maxAgeMs: 60_000 });
  });

  it('fails with one error naming every bad field', () => {
    let error: unknown;
    try {
      resolveStreamsOptions({
        port: 70000,
        host: '',
        adapter: { type: 'redis', url: 'http://nope' },
        authFunction: 'yes' as never,
        limits: { payloadBytes: -1 },
        timeouts: { heartbeatIntervalMs: 1.5 },
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StreamsOptionsError);
    const { issues, message, code } = error as StreamsOptionsError;
    expect(code).toBe('STREAMS_INVALID_OPTIONS');
    for (const field of ['port', 'host', 'adapter.url', 'authFunction', 'limits.payloadBytes', 'timeouts.heartbeatIntervalMs']) {
      expect(issues.some((i) => i.startsWith(field))).toBe(true);
      expect(message).toContain(field);
    }
    expect(issues).toHaveLength(6);
  });

  it('rejects an unknown adapter type and a file adapter without a path', () => {
    expect(() => resolveStreamsOptions({ adapter: { type: 'mongo' } as never })).toThrow(/adapter.type must be one of memory, file, redis/);
    expect(() => resolveStreamsOptions({ adapter: { type: 'file' } as never })).toThrow(/adapter.path/);
  });

  it('unknown keys are bad fields, listed with the rest: top level, every group, adapter (per type)', () => {
    expect(
      issuesOf({
        prot: 1,
        port: -1,
        adapter: { type: 'redis', urll: 'redis://10.0.0.1:6379', keyPrefix: 'app' },
        limits: { conections: 5 },
        history: { size: 10, ttl: 5 },
        presence: { ttl: 5 },
        writes: 'fast',
      }),
    ).toEqual([
      'prot is not a known option (known: port, host, attach, adapter, authFunction, limits, timeouts, writes, handlers, history, idempotency, presence, metrics, mutations)',
      'port must be an integer from 0 to 65535 (got -1)',
      'adapter.urll is not a known option (known: type, url, cluster, options, keyPrefix, connectTimeoutMs, commandTimeoutMs, presence)',
      'limits.conections is not a known option (known: connections, payloadBytes, bufferedBytes, subscriptionsPerSocket, queuedMessagesPerSocket, joinsPerSecond, refreshesPerSecond)',
      'writes must be an object { delayMs?, fastPath? }',
      'history.ttl is not a known option (known: size, maxAgeMs)',
      'presence.ttl is not a known option (known: maxMembersPerGroup, maxListedMembers, updatesPerSecond, maxStateBytes, bytesPerSecond)',
    ]);
    expect(() => resolveStreamsOptions({ adapter: { type: 'memory', path: './x' } as never })).toThrow(/adapter\.path is not a known option \(known: type\)/);
    expect(() => resolveStreamsOptions({ adapter: { type: 'file', path: './x', durabilty: 'flush' } as never })).toThrow(/adapter\.durabilty is not a known option/);
  });

  it('checks the mutations group: bounds, rates with fractions, unknown keys', () => {
    expect(issuesOf({ mutations: { inFlightPerSocket: 0, perSecond: -1, argsBytes: 'big', leaseMs: 50, ledgerSiz: 5 } })).toEqual([
      'mutations.ledgerSiz is not a known option (known: inFlightPerSocket, perSecond, argsBytes, ledgerSize, ledgerTtlMs, leaseMs)',
      'mutations.inFlightPerSocket must be an integer from 1 to 10000 (got 0)',
      'mutations.perSecond must be a number per second above 0 and at most 1000000 (got -1)',
      'mutations.argsBytes must be an integer from 2 to 67108864 (got "big")',
      'mutations.leaseMs must be an integer from 100 to 3600000 (got 50)',
    ]);
    expect(resolveStreamsOptions({ mutations: { perSecond: '0.5' as never, ledgerSize: 10 } }).mutations).toMatchObject({ perSecond: 0.5, ledgerSize: 10, inFlightPerSocket: 32 });
  });

  // 0.1's flat keys: a config written for it must fail bootstrap saying where each key went, never run on defaults.
  it.each([
    [{ maxConnections: 10 }, 'maxConnections was renamed: use limits.connections'],
    [{ maxPayloadBytes: 2048 }, 'maxPayloadBytes was renamed: use limits.payloadBytes'],
    [{ maxBufferedBytes: 2048 }, 'maxBufferedBytes was renamed: use limits.bufferedBytes'],
    [{ maxSubscriptionsPerSocket: 5 }, 'maxSubscriptionsPerSocket was renamed: use limits.subscriptionsPerSocket'],
    [{ maxQueuedMessagesPerSocket: 5 }, 'maxQueuedMessagesPerSocket was renamed: use limits.queuedMessagesPerSocket'],
    [{ maxJoinsPerSecond: 5 }, 'maxJoinsPerSecond was renamed: use limits.joinsPerSecond'],
    [{ maxRefreshesPerMinute: 10 }, 'maxRefreshesPerMinute was renamed: use limits.refreshesPerSecond (per second: 10 per minute is 0.167)'],
    [{ handshakeTimeoutMs: 500 }, 'handshakeTimeoutMs was renamed: use timeouts.handshakeMs'],
    [{ heartbeatIntervalMs: 0 }, 'heartbeatIntervalMs was renamed: use timeouts.heartbeatIntervalMs'],
    [{ writeDelayMs: 1 }, 'writeDelayMs was renamed: use writes.delayMs'],
    [{ writeFastPath: false }, 'writeFastPath was renamed: use writes.fastPath'],
    [{ allowJoinOnHandlerError: true }, 'allowJoinOnHandlerError was renamed: use handlers.allowJoinOnError'],
    [{ metricsRegistry: {} }, 'metricsRegistry was renamed: use metrics.registry'],
    [{ history: { ttlMs: 60_000 } }, 'history.ttlMs was renamed: use history.maxAgeMs'],
    [{ presence: { maxUpdatesPerSecond: 5 } }, 'presence.maxUpdatesPerSecond was renamed: use presence.updatesPerSecond'],
    [{ presence: { maxBytesPerSecond: 4096 } }, 'presence.maxBytesPerSecond was renamed: use presence.bytesPerSecond'],
    [{ presence: { ttlMs: 1500 } }, 'presence.ttlMs was renamed: use adapter.presence.ttlMs (Redis adapter only)'],
    [{ presence: { pollMs: 100 } }, 'presence.pollMs was renamed: use adapter.presence.sweepIntervalMs (Redis adapter only)'],
  ])('refuses the 0.1 key in %j, naming its new place', (options, message) => {
    expect(issuesOf(options)).toEqual([message]);
  });

  it('every message rate is per second and takes fractions; the other numbers stay whole', () => {
    const resolved = resolveStreamsOptions({ limits: { joinsPerSecond: 0.5, refreshesPerSecond: 1 / 60 }, presence: { updatesPerSecond: 2.5 } });
    expect([resolved.limits.joinsPerSecond, resolved.limits.refreshesPerSecond, resolved.presence.updatesPerSecond]).toEqual([0.5, 1 / 60, 2.5]);
    expect(issuesOf({ limits: { joinsPerSecond: 0, refreshesPerSecond: -1, subscriptionsPerSocket: 1.5 }, presence: { updatesPerSecond: Number.NaN } })).toEqual([
      'limits.subscriptionsPerSocket must be an integer from 1 to 1000000 (got 1.5)',
      'limits.joinsPerSecond must be a number per second above 0 and at most 1000000 (got 0)',
      'limits.refreshesPerSecond must be a number per second above 0 and at most 1000 (got -1)',
      'presence.updatesPerSecond must be a number per second above 0 and at most 10000 (got null)',
    ]);
  });

  // forRootAsync with ConfigService: environment variables arrive as strings (README, "Configuration from the environment").
  it('takes numbers written in decimal, as ConfigService returns them from the environment (rates with a fraction); nothing looser', () => {
    const resolved = resolveStreamsOptions({
      port: '3200',
      limits: { connections: '500', refreshesPerSecond: '0.5', joinsPerSecond: '20' },
      history: { size: '0' },
      adapter: { type: 'redis', presence: { sweepIntervalMs: '250' } },
    } as never);
    expect([resolved.port, resolved.limits.connections, resolved.limits.refreshesPerSecond, resolved.limits.joinsPerSecond, resolved.history.size]).toEqual([3200, 500, 0.5, 20, 0]);
    expect(resolved.adapter).toEqual({ type: 'redis', presence: { ttlMs: 15_000, sweepIntervalMs: 250 } });
    expect(
      issuesOf({
        port: '3200 ',
        limits: { connections: '1e3', bufferedBytes: '70000.5', joinsPerSecond: '.5', refreshesPerSecond: '0.5 ' },
        timeouts: { heartbeatIntervalMs: '030', handshakeMs: '' },
      }),
    ).toEqual([
      'port must be an integer from 0 to 65535 (got "3200 ")',
      'limits.connections must be an integer from 1 to 10000000 (got "1e3")',
      'limits.bufferedBytes must be an integer from 1024 to 1073741824 (got "70000.5")',
      'limits.joinsPerSecond must be a number per second above 0 and at most 1000000 (got ".5")',
      'limits.refreshesPerSecond must be a number per second above 0 and at most 1000 (got "0.5 ")',
      'timeouts.handshakeMs must be an integer from 100 to 600000 (got "")',
      'timeouts.heartbeatIntervalMs must be an integer from 0 to 3600000 (got "030")',
    ]);
    expect(() => resolveStreamsOptions({ port: '70000' } as never)).toThrow(/port must be an integer from 0 to 65535 \(got "70000"\)/);
  });

  it('checks the bounds options: queue, and the boolean that restores permissive join handlers', () => {
    expect(issuesOf({ limits: { queuedMessagesPerSocket: 0 }, handlers: { allowJoinOnError: 'yes' } })).toEqual([
      'limits.queuedMessagesPerSocket must be an integer from 1 to 100000 (got 0)',
      'handlers.allowJoinOnError must be true or false (got "yes")',
    ]);
    expect(issuesOf({ metrics: { registry: {} } })).toEqual(['metrics.registry must be a prom-client Registry']);
  });

  it('adapter.presence: the Redis adapter\'s presence timings, defaulted and checked; refused on memory and file', () => {
    expect(resolveStreamsOptions({ adapter: { type: 'redis' } }).adapter).toEqual({ type: 'redis', presence: { ttlMs: 15_000, sweepIntervalMs: 20_000 } });
    expect(resolveStreamsOptions({ adapter: { type: 'redis', url: 'redis://r:6379', presence: { ttlMs: 1500 } } }).adapter).toEqual({
      type: 'redis',
      url: 'redis://r:6379',
      presence: { ttlMs: 1500, sweepIntervalMs: 20_000 },
    });
    expect(issuesOf({ adapter: { type: 'redis', presence: { ttlMs: 10, poll: 5 } } })).toEqual([
      'adapter.presence.poll is not a known option (known: ttlMs, sweepIntervalMs)',
      'adapter.presence.ttlMs must be an integer from 300 to 3600000 (got 10)',
    ]);
    expect(issuesOf({ adapter: { type: 'memory', presence: { ttlMs: 1500 } } })).toEqual([
      'adapter.presence applies to the Redis adapter only (the memory adapter keeps presence in-process)',
    ]);
    expect(issuesOf({ adapter: { type: 'file', path: './x', presence: {} } })).toEqual([
      'adapter.presence applies to the Redis adapter only (the file adapter keeps presence in-process)',
    ]);
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
