import { DEFAULT_HISTORY } from '../adapters/history/history.defaults';
import { DEFAULT_IDEMPOTENCY } from '../adapters/idempotency/idempotent-write';
import { FILE_ADAPTER_KEYS, validateFileAdapterOptions } from '../adapters/file/file-adapter.options';
import { REDIS_ADAPTER_KEYS, REDIS_PRESENCE_DEFAULTS, validateRedisAdapterOptions } from '../adapters/redis/redis-adapter.options';
import type { Registry } from 'prom-client';
import { StreamsOptionsError } from '../errors/streams.errors';
import type { ResolvedAdapterOptions, ResolvedStreamsOptions, StreamsModuleOptions } from './streams-options.interface';

export const STREAMS_DEFAULTS = {
  port: 3112,
  host: '0.0.0.0',
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
  presence: { maxMembersPerGroup: 100_000, maxListedMembers: 1000, updatesPerSecond: 20, maxStateBytes: 4096, bytesPerSecond: 65_536 },
  mutations: { inFlightPerSocket: 32, perSecond: 100, argsBytes: 65_536, ledgerSize: 100_000, ledgerTtlMs: 86_400_000, leaseMs: 30_000 },
} as const;

const ADAPTER_TYPES = ['memory', 'file', 'redis'];

/** Every key each options object may have; any other is a bad field (a typo must not pass silently). */
const KNOWN_KEYS: Record<string, readonly string[]> = {
  '': ['port', 'host', 'attach', 'adapter', 'authFunction', 'limits', 'timeouts', 'writes', 'handlers', 'history', 'idempotency', 'presence', 'metrics', 'mutations'],
  limits: Object.keys(STREAMS_DEFAULTS.limits),
  timeouts: Object.keys(STREAMS_DEFAULTS.timeouts),
  writes: Object.keys(STREAMS_DEFAULTS.writes),
  handlers: Object.keys(STREAMS_DEFAULTS.handlers),
  history: ['size', 'maxAgeMs'],
  idempotency: Object.keys(DEFAULT_IDEMPOTENCY),
  presence: Object.keys(STREAMS_DEFAULTS.presence),
  metrics: ['registry'],
  mutations: Object.keys(STREAMS_DEFAULTS.mutations),
  'adapter.presence': Object.keys(REDIS_PRESENCE_DEFAULTS),
};
const ADAPTER_KEYS: Record<string, readonly string[]> = { memory: ['type'], file: FILE_ADAPTER_KEYS, redis: REDIS_ADAPTER_KEYS };

/**
 * The keys of 0.1 (flat, before the options were grouped by their owner) and where each went: refused with
 * a message naming the new key, never read under the old name.
 */
const RENAMED: Record<string, Record<string, string>> = {
  '': {
    maxConnections: 'limits.connections',
    maxPayloadBytes: 'limits.payloadBytes',
    maxBufferedBytes: 'limits.bufferedBytes',
    maxSubscriptionsPerSocket: 'limits.subscriptionsPerSocket',
    maxQueuedMessagesPerSocket: 'limits.queuedMessagesPerSocket',
    maxJoinsPerSecond: 'limits.joinsPerSecond',
    maxRefreshesPerMinute: 'limits.refreshesPerSecond (per second: 10 per minute is 0.167)',
    handshakeTimeoutMs: 'timeouts.handshakeMs',
    heartbeatIntervalMs: 'timeouts.heartbeatIntervalMs',
    writeDelayMs: 'writes.delayMs',
    writeFastPath: 'writes.fastPath',
    allowJoinOnHandlerError: 'handlers.allowJoinOnError',
    metricsRegistry: 'metrics.registry',
  },
  history: { ttlMs: 'history.maxAgeMs' },
  presence: {
    maxUpdatesPerSecond: 'presence.updatesPerSecond',
    maxBytesPerSecond: 'presence.bytesPerSecond',
    ttlMs: 'adapter.presence.ttlMs (Redis adapter only)',
    pollMs: 'adapter.presence.sweepIntervalMs (Redis adapter only)',
  },
};

export type Issues = string[];

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A whole number written in decimal, as environment variables carry them (`ConfigService.get('PORT')` is a string). */
const DECIMAL = /^(0|-?[1-9][0-9]{0,15})$/;

export function int(issues: Issues, name: string, raw: unknown, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = typeof raw === 'string' && DECIMAL.test(raw) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    issues.push(`${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(raw)})`);
    return fallback;
  }
  return value;
}

/** A positive number written in decimal, fraction allowed (`"0.5"`): a rate from the environment. */
const DECIMAL_FRACTION = /^(0|[1-9][0-9]{0,15})(\.[0-9]{1,9})?$/;

/** A message rate, per second (every rate has this one unit); fractions allowed, so slow rates need no other unit. */
function rate(issues: Issues, name: string, raw: unknown, fallback: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = typeof raw === 'string' && DECIMAL_FRACTION.test(raw) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > max) {
    issues.push(`${name} must be a number per second above 0 and at most ${max} (got ${JSON.stringify(raw)})`);
    return fallback;
  }
  return value;
}

/** Refuses the keys not in `known`; a key of 0.1 that was renamed gets a message naming its new place. */
export function unknownKeys(issues: Issues, path: string, value: Record<string, unknown>, known: readonly string[]): void {
  const prefix = path === '' ? '' : `${path}.`;
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const renamed = RENAMED[path]?.[key];
    issues.push(renamed ? `${prefix}${key} was renamed: use ${renamed}` : `${prefix}${key} is not a known option (known: ${known.join(', ')})`);
  }
}

/** An option group (`limits`, `history` ...): an object with known keys, or absent. */
function group(issues: Issues, name: string, value: unknown): Record<string, unknown> {
  const known = KNOWN_KEYS[name];
  if (value !== undefined && !isRecord(value)) issues.push(`${name} must be an object { ${known.map((key) => `${key}?`).join(', ')} }`);
  const g = isRecord(value) ? value : {};
  unknownKeys(issues, name, g, known);
  return g;
}

export function bool(issues: Issues, name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') issues.push(`${name} must be true or false (got ${JSON.stringify(value)})`);
  return value === true;
}

function adapter(issues: Issues, value: unknown): ResolvedAdapterOptions {
  if (value === undefined) return { type: 'memory' };
  if (!isRecord(value) || !ADAPTER_TYPES.includes(value.type as string)) {
    issues.push(`adapter.type must be one of ${ADAPTER_TYPES.join(', ')} (got ${JSON.stringify(isRecord(value) ? value.type : value)})`);
    return { type: 'memory' };
  }
  const { presence: timings, ...rest } = value;
  unknownKeys(issues, 'adapter', rest, ADAPTER_KEYS[value.type as string]);
  if (value.type === 'file') validateFileAdapterOptions(value, issues);
  if (value.type !== 'redis') {
    if (timings !== undefined) issues.push(`adapter.presence applies to the Redis adapter only (the ${value.type as string} adapter keeps presence in-process)`);
    return value as unknown as ResolvedAdapterOptions;
  }
  validateRedisAdapterOptions(value, issues);
  const p = group(issues, 'adapter.presence', timings);
  const d = REDIS_PRESENCE_DEFAULTS;
  const presence = {
    ttlMs: int(issues, 'adapter.presence.ttlMs', p.ttlMs, d.ttlMs, 300, 3_600_000),
    sweepIntervalMs: int(issues, 'adapter.presence.sweepIntervalMs', p.sweepIntervalMs, d.sweepIntervalMs, 10, 600_000),
  };
  return { ...value, presence } as unknown as ResolvedAdapterOptions;
}

/** A URL path prefix such as `/streams`: no trailing slash, no query, plain path characters. */
const PATH_PREFIX = /^(\/[A-Za-z0-9._~-]+)+$/;

function attach(issues: Issues, input: Record<string, unknown>): ResolvedStreamsOptions['attach'] {
  const value = input.attach;
  if (value === undefined) return null;
  if (!isRecord(value) || typeof value.path !== 'string' || !PATH_PREFIX.test(value.path)) {
    issues.push(`attach must be { path: '/prefix' } (a path such as /streams, no trailing slash; got ${JSON.stringify(value)})`);
    return null;
  }
  unknownKeys(issues, 'attach', value, ['path']);
  const own = ['port', 'host'].filter((key) => input[key] !== undefined);
  if (own.length > 0) issues.push(`${own.join(' and ')} cannot be set with attach (the listener uses the app's server and port)`);
  return { path: value.path };
}

function metrics(issues: Issues, value: unknown): ResolvedStreamsOptions['metrics'] {
  const registry = group(issues, 'metrics', value).registry;
  if (registry === undefined || registry === null) return { registry: null };
  // Duck-typed: the host may hold another copy of prom-client.
  const looksLikeRegistry = isRecord(registry) && typeof registry.registerMetric === 'function' && typeof registry.metrics === 'function';
  if (!looksLikeRegistry) issues.push('metrics.registry must be a prom-client Registry');
  return { registry: registry as Registry };
}

function limits(issues: Issues, value: unknown): ResolvedStreamsOptions['limits'] {
  const l = group(issues, 'limits', value);
  const d = STREAMS_DEFAULTS.limits;
  return {
    connections: int(issues, 'limits.connections', l.connections, d.connections, 1, 10_000_000),
    payloadBytes: int(issues, 'limits.payloadBytes', l.payloadBytes, d.payloadBytes, 1024, 256 * 1024 * 1024),
    bufferedBytes: int(issues, 'limits.bufferedBytes', l.bufferedBytes, d.bufferedBytes, 1024, 1024 * 1024 * 1024),
    subscriptionsPerSocket: int(issues, 'limits.subscriptionsPerSocket', l.subscriptionsPerSocket, d.subscriptionsPerSocket, 1, 1_000_000),
    queuedMessagesPerSocket: int(issues, 'limits.queuedMessagesPerSocket', l.queuedMessagesPerSocket, d.queuedMessagesPerSocket, 1, 100_000),
    joinsPerSecond: rate(issues, 'limits.joinsPerSecond', l.joinsPerSecond, d.joinsPerSecond, 1_000_000),
    refreshesPerSecond: rate(issues, 'limits.refreshesPerSecond', l.refreshesPerSecond, d.refreshesPerSecond, 1000),
  };
}

function timeouts(issues: Issues, value: unknown): ResolvedStreamsOptions['timeouts'] {
  const t = group(issues, 'timeouts', value);
  const d = STREAMS_DEFAULTS.timeouts;
  return {
    handshakeMs: int(issues, 'timeouts.handshakeMs', t.handshakeMs, d.handshakeMs, 100, 600_000),
    heartbeatIntervalMs: int(issues, 'timeouts.heartbeatIntervalMs', t.heartbeatIntervalMs, d.heartbeatIntervalMs, 0, 3_600_000),
  };
}

function writes(issues: Issues, value: unknown): ResolvedStreamsOptions['writes'] {
  const w = group(issues, 'writes', value);
  const d = STREAMS_DEFAULTS.writes;
  return {
    delayMs: int(issues, 'writes.delayMs', w.delayMs, d.delayMs, 0, 1000),
    fastPath: bool(issues, 'writes.fastPath', w.fastPath, d.fastPath),
  };
}

function handlers(issues: Issues, value: unknown): ResolvedStreamsOptions['handlers'] {
  const h = group(issues, 'handlers', value);
  return { allowJoinOnError: bool(issues, 'handlers.allowJoinOnError', h.allowJoinOnError, STREAMS_DEFAULTS.handlers.allowJoinOnError) };
}

function history(issues: Issues, value: unknown): ResolvedStreamsOptions['history'] {
  const h = group(issues, 'history', value);
  return {
    size: int(issues, 'history.size', h.size, DEFAULT_HISTORY.size, 0, 1_000_000),
    maxAgeMs: int(issues, 'history.maxAgeMs', h.maxAgeMs, DEFAULT_HISTORY.maxAgeMs, 1000, 7 * 24 * 3_600_000),
  };
}

function idempotency(issues: Issues, value: unknown): ResolvedStreamsOptions['idempotency'] {
  const i = group(issues, 'idempotency', value);
  const d = DEFAULT_IDEMPOTENCY;
  return {
    ttlMs: int(issues, 'idempotency.ttlMs', i.ttlMs, d.ttlMs, 1000, 7 * 24 * 3_600_000),
    maxKeysPerGroup: int(issues, 'idempotency.maxKeysPerGroup', i.maxKeysPerGroup, d.maxKeysPerGroup, 1, 1_000_000),
    maxKeys: int(issues, 'idempotency.maxKeys', i.maxKeys, d.maxKeys, 1, 100_000_000),
  };
}

function presence(issues: Issues, value: unknown): ResolvedStreamsOptions['presence'] {
  const p = group(issues, 'presence', value);
  const d = STREAMS_DEFAULTS.presence;
  return {
    maxMembersPerGroup: int(issues, 'presence.maxMembersPerGroup', p.maxMembersPerGroup, d.maxMembersPerGroup, 1, 10_000_000),
    maxListedMembers: int(issues, 'presence.maxListedMembers', p.maxListedMembers, d.maxListedMembers, 0, 100_000),
    updatesPerSecond: rate(issues, 'presence.updatesPerSecond', p.updatesPerSecond, d.updatesPerSecond, 10_000),
    maxStateBytes: int(issues, 'presence.maxStateBytes', p.maxStateBytes, d.maxStateBytes, 2, 1024 * 1024),
    bytesPerSecond: int(issues, 'presence.bytesPerSecond', p.bytesPerSecond, d.bytesPerSecond, 1024, 1024 * 1024 * 1024),
  };
}

function mutations(issues: Issues, value: unknown): ResolvedStreamsOptions['mutations'] {
  const m = group(issues, 'mutations', value);
  const d = STREAMS_DEFAULTS.mutations;
  return {
    inFlightPerSocket: int(issues, 'mutations.inFlightPerSocket', m.inFlightPerSocket, d.inFlightPerSocket, 1, 10_000),
    perSecond: rate(issues, 'mutations.perSecond', m.perSecond, d.perSecond, 1_000_000),
    argsBytes: int(issues, 'mutations.argsBytes', m.argsBytes, d.argsBytes, 2, 64 * 1024 * 1024),
    ledgerSize: int(issues, 'mutations.ledgerSize', m.ledgerSize, d.ledgerSize, 1, 100_000_000),
    ledgerTtlMs: int(issues, 'mutations.ledgerTtlMs', m.ledgerTtlMs, d.ledgerTtlMs, 1000, 30 * 24 * 3_600_000),
    leaseMs: int(issues, 'mutations.leaseMs', m.leaseMs, d.leaseMs, 100, 3_600_000),
  };
}

/**
 * The one place options get their defaults and are checked. Throws a StreamsOptionsError naming every
 * bad field at once, so a misconfigured app fails bootstrap with one readable message.
 */
export function resolveStreamsOptions(raw: StreamsModuleOptions | undefined): ResolvedStreamsOptions {
  const input: Record<string, unknown> = isRecord(raw) ? raw : {};
  const issues: Issues = [];
  if (raw !== undefined && !isRecord(raw)) issues.push('options must be an object');
  unknownKeys(issues, '', input, KNOWN_KEYS['']);

  const host = input.host ?? STREAMS_DEFAULTS.host;
  if (typeof host !== 'string' || host === '') issues.push(`host must be a non-empty string (got ${JSON.stringify(host)})`);
  const authFunction = input.authFunction ?? null;
  if (authFunction !== null && typeof authFunction !== 'function') issues.push('authFunction must be a function');

  const resolved: ResolvedStreamsOptions = {
    attach: attach(issues, input),
    port: int(issues, 'port', input.port, STREAMS_DEFAULTS.port, 0, 65535),
    host: host as string,
    adapter: adapter(issues, input.adapter),
    authFunction: authFunction as ResolvedStreamsOptions['authFunction'],
    limits: limits(issues, input.limits),
    timeouts: timeouts(issues, input.timeouts),
    writes: writes(issues, input.writes),
    handlers: handlers(issues, input.handlers),
    history: history(issues, input.history),
    idempotency: idempotency(issues, input.idempotency),
    presence: presence(issues, input.presence),
    metrics: metrics(issues, input.metrics),
    mutations: mutations(issues, input.mutations),
  };
  if (issues.length > 0) throw new StreamsOptionsError(issues);
  return resolved;
}
