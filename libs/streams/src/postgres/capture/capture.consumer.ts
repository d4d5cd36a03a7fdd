import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import type { ClientConfig, Pool } from 'pg';
import { assertPeerInstalled } from '../../errors/missing-peer.error';
import { StreamsConflictError, StreamsCustomResultError, StreamsIdempotencyError, StreamsInputError } from '../../errors/streams.errors';
import { StreamsHub } from '../../hub/streams.hub';
import { StreamsService } from '../../service/streams.service';
import { STREAMS_CAPTURE_OPTIONS, STREAMS_POSTGRES_OPTIONS, STREAMS_POSTGRES_POOL } from '../postgres.tokens';
import type { ResolvedCaptureOptions, ResolvedPostgresOptions } from '../streams-postgres.options';
import { StreamsCaptureError } from './capture.errors';
import { type CaptureChange, CaptureMappingError, mapChange, type ResolvedStreamTable } from './capture.mapping';
import { CaptureMetrics } from './capture.metrics';
import { CaptureSession } from './capture.session';
import { prepareCapture } from './capture.setup';
import { readSlot } from './capture.slot';

/** SQLSTATE object_in_use: START_REPLICATION on a slot another connection streams from. */
const SLOT_IN_USE = '55006';

/**
 * Change capture (SPEC §10, docs/postgres.md "Change capture"): at bootstrap, checks the server and the
 * declared tables and makes the publication and the durable slot; then, on every instance with `consumer`
 * on, tries to stream from the slot. PostgreSQL lets one connection stream from a slot at a time, so one
 * instance consumes while the others wait, trying again every `retryMs`, and the first to try after its
 * connection ends (the instance died or closed) takes over from the last confirmed commit.
 */
@Injectable()
export class CaptureConsumer implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('StreamsCapture');
  private readonly tables = new Map<string, ResolvedStreamTable[]>();
  private loop: Promise<void> | null = null;
  private session: CaptureSession | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;
  private failure: string | null = null;
  private waiting = false;

  constructor(
    @Inject(STREAMS_CAPTURE_OPTIONS) private readonly capture: ResolvedCaptureOptions | null,
    @Inject(STREAMS_POSTGRES_OPTIONS) private readonly postgres: ResolvedPostgresOptions,
    @Inject(STREAMS_POSTGRES_POOL) private readonly pool: Pool,
    private readonly streams: StreamsService,
    private readonly hub: StreamsHub,
    private readonly metrics: CaptureMetrics,
  ) {}

  async onModuleInit(): Promise<void> {
    if (!this.capture) return;
    assertPeerInstalled('pg-logical-replication', 'change capture (StreamsPostgresModule capture)');
    for (const table of this.capture.tables) this.tables.set(table.qualified, [...(this.tables.get(table.qualified) ?? []), table]);
    await prepareCapture(this.pool, this.capture, this.logger);
  }

  onApplicationBootstrap(): void {
    if (this.capture?.consumer) this.loop = this.run(this.capture);
  }

  /** Stops streaming after the change being applied (what it confirmed stays confirmed) and waits for it. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.session?.stop();
    await this.loop;
  }

  /** Why the last replication session failed, or null while it streams or another instance does (the health indicator reads it). */
  get problem(): string | null {
    return this.failure;
  }

  private async run(capture: ResolvedCaptureOptions): Promise<void> {
    const library = await import('pg-logical-replication');
    while (!this.stopped) {
      await this.attempt(capture, library);
      if (this.stopped) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, capture.retryMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  private async attempt(capture: ResolvedCaptureOptions, library: typeof import('pg-logical-replication')): Promise<void> {
    try {
      const slot = await readSlot(this.pool, capture.slot);
      if (!slot || slot.walStatus === 'lost') throw slotLost(capture.slot, !slot);
      if (slot.active) return this.standby();
      const session = new CaptureSession(
        {
          slot: capture.slot,
          publication: capture.publication,
          tables: this.tables,
          apply: (table, change, key) => this.apply(table, change, key),
          started: () => this.started(capture, slot.confirmedLsn),
        },
        slot.confirmedLsn,
      );
      this.session = session;
      if (this.stopped) return;
      await session.run(library, this.connection());
    } catch (error) {
      if ((error as { code?: unknown }).code === SLOT_IN_USE) return this.standby();
      this.metrics.sessionFailed();
      const message = error instanceof Error ? error.message : String(error);
      if (message !== this.failure) {
        this.logger.error(`capture: replication from slot ${capture.slot} failed (${message}); trying again every ${capture.retryMs} ms`);
        if (error instanceof StreamsCaptureError && error.code === 'capture_slot_lost') this.continuityLost(capture);
      }
      this.failure = message;
    } finally {
      this.session = null;
      this.metrics.consumer(false);
    }
  }

  /** The captured streams missed changes for good: their subscribers here are re-synced with `continuityLost` (SPEC §7.9). */
  private continuityLost(capture: ResolvedCaptureOptions): void {
    for (const stream of new Set(capture.tables.map((t) => t.stream))) this.hub.streamContinuityLost(stream);
  }

  private started(capture: ResolvedCaptureOptions, from: string): void {
    this.logger.log(`capture: this instance consumes the replication slot ${capture.slot}, from ${from}`);
    this.failure = null;
    this.waiting = false;
    this.metrics.consumer(true);
  }

  private standby(): void {
    if (!this.waiting) this.logger.log(`capture: another instance consumes the replication slot ${this.capture!.slot}; this one takes over when it stops`);
    this.waiting = true;
    this.failure = null;
  }

  /**
   * One row change of one declaration through the normal write path. A change that cannot be an item, or
   * whose write is refused for what it is, would fail the same way forever: logged, counted and skipped.
   * Anything else (the store unreachable) rejects, which ends the session unconfirmed: retried from its
   * transaction's start, the keys making the writes already done replays.
   */
  private async apply(table: ResolvedStreamTable, change: CaptureChange, key: string): Promise<void> {
    let writes;
    try {
      writes = mapChange(table, change);
    } catch (error) {
      return this.skip(key, error as CaptureMappingError);
    }
    for (const [index, write] of writes.entries()) {
      const { operation, ...input } = write;
      const idempotency_key = writes.length > 1 ? `${key}.${index}` : key;
      try {
        await this.streams[operation]({ ...input, idempotency_key } as never);
        this.metrics.wrote(operation);
      } catch (error) {
        const refused = error instanceof StreamsConflictError || error instanceof StreamsInputError || error instanceof StreamsIdempotencyError || error instanceof StreamsCustomResultError;
        if (!refused) throw error;
        this.skip(key, error);
      }
    }
  }

  private skip(key: string, error: Error): void {
    this.metrics.skipped();
    this.logger.error(`capture: change ${key} skipped: ${error.message}`);
  }

  /** The replication connection: the module's connection string, or the app pool's settings. */
  private connection(): ClientConfig {
    return this.postgres.connectionString ? { connectionString: this.postgres.connectionString } : { ...this.pool.options };
  }
}

function slotLost(slot: string, dropped: boolean): StreamsCaptureError {
  const what = dropped ? 'does not exist: it was dropped while the app ran' : 'has lost WAL it needed (it fell behind more than max_slot_wal_keep_size)';
  return new StreamsCaptureError(
    'capture_slot_lost',
    `the replication slot ${slot} ${what}; changes made since are lost and it is not re-created behind your back: re-sync the captured streams, then restart the app (it creates the slot at start)`,
  );
}
