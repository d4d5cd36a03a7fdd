import { DEFAULT_HISTORY } from '../adapters/history/history.defaults';
import { DEFAULT_IDEMPOTENCY } from '../adapters/idempotency/idempotent-write';
import { FILE_ADAPTER_KEYS, validateFileAdapterOptions } from '../adapters/file/file-adapter.options';
import { REDIS_ADAPTER_KEYS, validateRedisAdapterOptions } from '../adapters/redis/redis-adapter.options';
import type { Registry } from 'prom-client';
import { StreamsOptionsError } from '../errors/streams.errors';
import type { ResolvedStreamsOptions, StreamsAdapterOptions, StreamsModuleOptions } from './streams-options.interface';

export const STREAMS_DEFAULTS = {
  port: 3112,
  host: '0.0.0.0',
  maxPayloadBytes: 1024 * 1024,
  maxSubscriptionsPerSocket: 1000,
  maxConnections: 100_000,
  heartbeatIntervalMs: 30_000,
  handshakeTimeoutMs: 10_000,
  maxBufferedBytes: 4 * 1024 * 1024,
  maxQueuedMessagesPerSocket: 64,
  maxJoinsPerSecond: 100,
  allowJoinOnHandlerError: false,
  maxRefreshesPerMinute: 10,
  writeDelayMs: 0,
  writeFastPath: true,
} as const;

export const PRESENCE_DEFAULTS = {
  maxMembersPerGroup: 100_000,
  maxListedMembers: 1000,
  maxUpdatesPerSecond: 20,
  maxStateBytes: 4096,
  maxBytesPerSecond: 65_536,
  ttlMs: 15_000,
  pollMs: 500,
} as const;

const ADAPTER_TYPES = ['memory', 'file', 'redis'];

/** Every key each options object may have; any other key is a bad field (a typo must not pass silently). */
const KNOWN_KEYS = {
  options: [...Object.keys(STREAMS_DEFAULTS), 'attach', 'adapter', 'authFunction', 'history', 'idempotency', 'metricsRegistry', 'presence'],
  history: ['size', 'ttlMs'],
  idempotency: Object.keys(DEFAULT_IDEMPOTENCY),
  presence: Object.keys(PRESENCE_DEFAULTS),
  adapter: { memory: ['type'], file: FILE_ADAPTER_KEYS, redis: REDIS_ADAPTER_KEYS } as Record<string, readonly string[]>,
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

export function unknownKeys(issues: Issues, prefix: string, value: Record<string, unknown>, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) issues.push(`${prefix}${key} is not a known option (known: ${known.join(', ')})`);
  }
}

export function bool(issues: Issues, name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') issues.push(`${name} must be true or false (got ${JSON.stringify(value)})`);
  return value === true;
}

function adapter(issues: Issues, value: unknown): StreamsAdapterOptions {
  if (value === undefined) return { type: 'memory' };
  if (!isRecord(value) || !ADAPTER_TYPES.includes(value.type as string)) {
    issues.push(`adapter.type must be one of ${ADAPTER_TYPES.join(', ')} (got ${JSON.stringify(isRecord(value) ? value.type : value)})`);
    return { type: 'memory' };
  }
  unknownKeys(issues, 'adapter.', value, KNOWN_KEYS.adapter[value.type as string]);
  if (value.type === 'file') validateFileAdapterOptions(value, issues);
  if (value.type === 'redis') validateRedisAdapterOptions(value, issues);
  return value as unknown as StreamsAdapterOptions;
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
  unknownKeys(issues, 'attach.', value, ['path']);
  const own = ['port', 'host'].filter((key) => input[key] !== undefined);
  if (own.length > 0) issues.push(`${own.join(' and ')} cannot be set with attach (the listener uses the app's server and port)`);
  return { path: value.path };
}

function registry(issues: Issues, value: unknown): Registry | null {
  if (value === undefined || value === null) return null;
  // Duck-typed: the host may hold another copy of prom-client.
  const looksLikeRegistry = isRecord(value) && typeof value.registerMetric === 'function' && typeof value.metrics === 'function';
  if (!looksLikeRegistry) issues.push('metricsRegistry must be a prom-client Registry');
  return value as Registry;
}

function history(issues: Issues, value: unknown): ResolvedStreamsOptions['history'] {
  if (value !== undefined && !isRecord(value)) issues.push('history must be an object { size?, ttlMs? }');
  const h = isRecord(value) ? value : {};
  unknownKeys(issues, 'history.', h, KNOWN_KEYS.history);
  return {
    size: int(issues, 'history.size', h.size, DEFAULT_HISTORY.size, 0, 1_000_000),
    ttlMs: int(issues, 'history.ttlMs', h.ttlMs, DEFAULT_HISTORY.ttlMs, 1000, 7 * 24 * 3_600_000),
  };
}

function idempotency(issues: Issues, value: unknown): ResolvedStreamsOptions['idempotency'] {
  if (value !== undefined && !isRecord(value)) issues.push('idempotency must be an object { ttlMs?, maxKeysPerGroup?, maxKeys? }');
  const i = isRecord(value) ? value : {};
  unknownKeys(issues, 'idempotency.', i, KNOWN_KEYS.idempotency);
  const d = DEFAULT_IDEMPOTENCY;
  return {
    ttlMs: int(issues, 'idempotency.ttlMs', i.ttlMs, d.ttlMs, 1000, 7 * 24 * 3_600_000),
    maxKeysPerGroup: int(issues, 'idempotency.maxKeysPerGroup', i.maxKeysPerGroup, d.maxKeysPerGroup, 1, 1_000_000),
    maxKeys: int(issues, 'idempotency.maxKeys', i.maxKeys, d.maxKeys, 1, 100_000_000),
  };
}

function presence(issues: Issues, value: unknown): ResolvedStreamsOptions['presence'] {
  if (value !== undefined && !isRecord(value)) issues.push('presence must be an object');
  const p = isRecord(value) ? value : {};
  unknownKeys(issues, 'presence.', p, KNOWN_KEYS.presence);
  const d = PRESENCE_DEFAULTS;
  return {
    maxMembersPerGroup: int(issues, 'presence.maxMembersPerGroup', p.maxMembersPerGroup, d.maxMembersPerGroup, 1, 10_000_000),
    maxListedMembers: int(issues, 'presence.maxListedMembers', p.maxListedMembers, d.maxListedMembers, 0, 100_000),
    maxUpdatesPerSecond: int(issues, 'presence.maxUpdatesPerSecond', p.maxUpdatesPerSecond, d.maxUpdatesPerSecond, 1, 10_000),
    maxStateBytes: int(issues, 'presence.maxStateBytes', p.maxStateBytes, d.maxStateBytes, 2, 1024 * 1024),
    maxBytesPerSecond: int(issues, 'presence.maxBytesPerSecond', p.maxBytesPerSecond, d.maxBytesPerSecond, 1024, 1024 * 1024 * 1024),
    ttlMs: int(issues, 'presence.ttlMs', p.ttlMs, d.ttlMs, 300, 3_600_000),
    pollMs: int(issues, 'presence.pollMs', p.pollMs, d.pollMs, 10, 600_000),
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
  unknownKeys(issues, '', input, KNOWN_KEYS.options);

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
    maxPayloadBytes: int(issues, 'maxPayloadBytes', input.maxPayloadBytes, STREAMS_DEFAULTS.maxPayloadBytes, 1024, 256 * 1024 * 1024),
    maxSubscriptionsPerSocket: int(issues, 'maxSubscriptionsPerSocket', input.maxSubscriptionsPerSocket, STREAMS_DEFAULTS.maxSubscriptionsPerSocket, 1, 1_000_000),
    maxConnections: int(issues, 'maxConnections', input.maxConnections, STREAMS_DEFAULTS.maxConnections, 1, 10_000_000),
    heartbeatIntervalMs: int(issues, 'heartbeatIntervalMs', input.heartbeatIntervalMs, STREAMS_DEFAULTS.heartbeatIntervalMs, 0, 3_600_000),
    handshakeTimeoutMs: int(issues, 'handshakeTimeoutMs', input.handshakeTimeoutMs, STREAMS_DEFAULTS.handshakeTimeoutMs, 100, 600_000),
    maxBufferedBytes: int(issues, 'maxBufferedBytes', input.maxBufferedBytes, STREAMS_DEFAULTS.maxBufferedBytes, 1024, 1024 * 1024 * 1024),
    maxQueuedMessagesPerSocket: int(issues, 'maxQueuedMessagesPerSocket', input.maxQueuedMessagesPerSocket, STREAMS_DEFAULTS.maxQueuedMessagesPerSocket, 1, 100_000),
    maxJoinsPerSecond: int(issues, 'maxJoinsPerSecond', input.maxJoinsPerSecond, STREAMS_DEFAULTS.maxJoinsPerSecond, 1, 1_000_000),
    allowJoinOnHandlerError: bool(issues, 'allowJoinOnHandlerError', input.allowJoinOnHandlerError, STREAMS_DEFAULTS.allowJoinOnHandlerError),
    maxRefreshesPerMinute: int(issues, 'maxRefreshesPerMinute', input.maxRefreshesPerMinute, STREAMS_DEFAULTS.maxRefreshesPerMinute, 1, 60_000),
    writeFastPath: bool(issues, 'writeFastPath', input.writeFastPath, STREAMS_DEFAULTS.writeFastPath),
    writeDelayMs: int(issues, 'writeDelayMs', input.writeDelayMs, STREAMS_DEFAULTS.writeDelayMs, 0, 1000),
    history: history(issues, input.history),
    idempotency: idempotency(issues, input.idempotency),
    presence: presence(issues, input.presence),
    metricsRegistry: registry(issues, input.metricsRegistry),
  };
  if (issues.length > 0) throw new StreamsOptionsError(issues);
  return resolved;
}
