import { Module } from '@nestjs/common';
import { StreamsModule, type StreamsModuleOptions } from 'nest-realtime-streams';

/** Every option group at its default; each group is read by one part of the module. */
export const streamsOptions: StreamsModuleOptions = {
  // The listener (or `attach: { path: '/streams' }` to share the app's server and port), and `authFunction`.
  port: 3112,
  host: '0.0.0.0',
  // Or `{ type: 'file', path }`, or `{ type: 'redis', url, presence: { ttlMs: 15_000, sweepIntervalMs: 20_000 } }`.
  adapter: { type: 'memory' },
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
  history: { size: 1000, maxAgeMs: 5 * 60_000 },
  idempotency: { ttlMs: 5 * 60_000, maxKeysPerGroup: 10_000, maxKeys: 100_000 },
  presence: { maxMembersPerGroup: 100_000, maxListedMembers: 1000, updatesPerSecond: 20, maxStateBytes: 4096, bytesPerSecond: 64 * 1024 },
  // `registry: register` puts the metrics in prom-client's global registry.
  metrics: {},
  // Client mutations (`@OnStreamMutation`): per-socket bounds and the exactly-once ledger.
  mutations: { inFlightPerSocket: 32, perSecond: 100, argsBytes: 64 * 1024, ledgerSize: 100_000, ledgerTtlMs: 24 * 3_600_000, leaseMs: 30_000 },
};

@Module({ imports: [StreamsModule.forRoot(streamsOptions)] })
export class AppModule {}
