import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { StreamsConflictError, StreamsIdempotencyError } from '../errors/streams.errors';
import { writePath } from '../wire/ws-framer';
import type { ResolvedStreamsOptions } from '../options/streams-options.interface';
import { STREAMS_OPTIONS } from '../streams.constants';

/** @internal Why an upgrade was refused, as labelled on `streams_connections_refused_total`. */
export type RefusalReason = 'not_found' | 'unauthorized' | 'auth_error' | 'limit' | 'shutdown';

/**
 * The module's Prometheus metrics (prom-client). Hot-path figures are plain numbers bumped inline and read
 * only when scraped, so delivering a frame costs an increment, not a label lookup.
 */
@Injectable()
export class StreamsMetrics {
  /** The registry holding every `streams_*` metric: the module's own unless `metrics.registry` was given. */
  readonly registry: Registry;
  // Bumped by the gateway; internal (stripped from the published .d.ts), read through the registry.
  /** @internal */ connections = 0;
  /** @internal */ subscriptions = 0;
  /** @internal */ framesIn = 0;
  /** @internal */ framesOut = 0;
  /** @internal */ framesViaSend = 0;
  /** @internal */ slowConsumerCloses = 0;
  /** @internal */ continuityResyncs = 0;
  private readonly refused: Counter<'reason'>;
  private readonly errors: Counter<'code'>;
  private readonly socketErrors: Counter<'code'>;
  private readonly handlerErrors: Counter;
  private readonly accepted: Counter;
  private readonly adapterSeconds: Histogram<'operation' | 'outcome'>;
  private readonly conflicts: Counter<'code'>;
  private readonly replays: Counter<'operation'>;
  private readonly expired: Counter;
  private readonly mutations: Counter<'outcome'>;
  private readonly mutationSeconds: Histogram;

  constructor(@Inject(STREAMS_OPTIONS) options: ResolvedStreamsOptions) {
    this.registry = options.metrics.registry ?? new Registry();
    const registers = [this.registry];
    const read = (name: string, help: string, value: () => number) =>
      new Counter({ name, help, registers, collect() { this.reset(); this.inc(value()); } });
    const gauge = (name: string, help: string, value: () => number) =>
      new Gauge({ name, help, registers, collect() { this.set(value()); } });
    gauge('streams_connections', 'Open WebSocket connections', () => this.connections);
    gauge('streams_subscriptions', 'Open subscriptions across all connections', () => this.subscriptions);
    read('streams_frames_in_total', 'Client frames received', () => this.framesIn);
    read('streams_frames_out_total', 'Frames sent to clients', () => this.framesOut);
    read(
      'streams_frames_out_via_send_total',
      "Frames sent through ws's send() instead of the fast path (writes.fastPath off, unsupported ws, or ws's sender busy)",
      () => this.framesViaSend,
    );
    const fastPath = writePath(options.writes.fastPath) === 'fast' ? 1 : 0;
    gauge('streams_write_fast_path', '1 when fan-out frames are pre-framed and written to the TCP socket, 0 when they go through ws send()', () => fastPath);
    read('streams_slow_consumer_closes_total', 'Connections closed with 4008 (slow consumer)', () => this.slowConsumerCloses);
    read(
      'streams_continuity_resyncs_total',
      'Subscriptions re-synced with continuityLost because delivery could not be proven complete (Redis restart, emptied, subscriber dropped past the history window)',
      () => this.continuityResyncs,
    );
    this.accepted = new Counter({ name: 'streams_connections_total', help: 'Accepted WebSocket connections', registers });
    this.refused = new Counter({ name: 'streams_connections_refused_total', help: 'Refused upgrades by reason', labelNames: ['reason'], registers });
    this.errors = new Counter({ name: 'streams_protocol_errors_total', help: 'Error frames sent to clients, by code', labelNames: ['code'], registers });
    this.socketErrors = new Counter({
      name: 'streams_socket_errors_total',
      help: 'Sockets closed by the WebSocket layer for a bad frame (invalid UTF-8, too big, bad framing), by ws error code',
      labelNames: ['code'],
      registers,
    });
    this.handlerErrors = new Counter({ name: 'streams_handler_errors_total', help: 'Stream change/join/leave handlers that threw', registers });
    this.adapterSeconds = new Histogram({
      name: 'streams_adapter_duration_seconds',
      help: 'Adapter (or custom stream) call duration by operation and outcome (ok, conflict: refused by its condition or key, error)',
      labelNames: ['operation', 'outcome'],
      buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
      registers,
    });
    this.conflicts = new Counter({
      name: 'streams_write_conflicts_total',
      help: 'Writes refused by their condition or a reused idempotency key, by code (version_conflict, exists, missing, idempotency_key_reused)',
      labelNames: ['code'],
      registers,
    });
    this.expired = new Counter({ name: 'streams_items_expired_total', help: 'Items deleted by their TTL (counted on the instance that deleted them)', registers });
    this.replays = new Counter({
      name: 'streams_idempotent_replays_total',
      help: 'Writes answered with the recorded result of an earlier call with the same idempotency key (nothing written or published), by operation',
      labelNames: ['operation'],
      registers,
    });
    this.mutations = new Counter({
      name: 'streams_mutations_total',
      help: 'Client mutations answered, by outcome: ok, duplicate (a re-send answered from the ledger) or the refusal code',
      labelNames: ['outcome'],
      registers,
    });
    this.mutationSeconds = new Histogram({
      name: 'streams_mutation_duration_seconds',
      help: 'Client mutations from the start of their turn to their answer (ledger, guards, validation, handler)',
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers,
    });
  }

  /** @internal */
  connectionAccepted(): void {
    this.accepted.inc();
  }

  /** @internal */
  connectionRefused(reason: RefusalReason): void {
    this.refused.inc({ reason });
  }

  /** @internal */
  protocolError(code: string): void {
    this.errors.inc({ code });
  }

  /** @internal `code` is ws's error code (`WS_ERR_INVALID_UTF8`, `WS_ERR_UNSUPPORTED_MESSAGE_LENGTH`, …). */
  socketError(code: string): void {
    this.socketErrors.inc({ code });
  }

  /** @internal */
  handlerFailed(): void {
    this.handlerErrors.inc();
  }

  /** @internal */
  itemExpired(): void {
    this.expired.inc();
  }

  /** @internal */
  idempotentReplay(operation: string): void {
    this.replays.inc({ operation });
  }

  /** @internal */
  mutationAnswered(outcome: string, seconds: number): void {
    this.mutations.inc({ outcome });
    this.mutationSeconds.observe(seconds);
  }

  /**
   * @internal Times one adapter call; `operation` is the service method. A write refused by its condition
   * or key is the adapter working as asked: counted as a conflict, not an error.
   */
  async timeAdapter<T>(operation: string, run: () => Promise<T>): Promise<T> {
    const end = this.adapterSeconds.startTimer({ operation });
    try {
      const result = await run();
      end({ outcome: 'ok' });
      return result;
    } catch (error) {
      const conflict = error instanceof StreamsConflictError || error instanceof StreamsIdempotencyError;
      end({ outcome: conflict ? 'conflict' : 'error' });
      if (conflict) this.conflicts.inc({ code: error.code });
      throw error;
    }
  }

  /** The Prometheus text exposition of every metric in the registry. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}
