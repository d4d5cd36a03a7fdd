import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import type { StreamSummary } from '../../interfaces/stream-payloads.interface';
import { StreamsConflictError, type StreamsConflictCode, StreamsIdempotencyError } from '../../errors/streams.errors';
import { formatPosition, type UpdateOpError } from 'nest-realtime-streams-protocol';
import type { HistoryLimits } from '../history/group-log';
import { DEFAULT_HISTORY } from '../history/history.defaults';
import { DEFAULT_IDEMPOTENCY, type IdempotencyLimits, type IdempotentWrite, replayed } from '../idempotency/idempotent-write';
import { type ItemWriteOptions, UNVERSIONED, type VersionedValue, type WriteCondition } from '../item-write.condition';
import {
  type ExpiryListener,
  type AdapterDeleteOutcome,
  type AdapterSetOutcome,
  type AdapterUpdateOutcome,
  StreamAdapter,
  type StreamEnvelope,
  type StreamMessage,
  type StreamPosition,
  type StreamReplay,
  type StreamSnapshot,
  type StreamSink,
  type Unwatch,
  type VersionsRead,
} from '../stream-adapter.interface';
import { type RedisAdapterOptions, type RedisPresenceOptions, REDIS_PRESENCE_DEFAULTS } from './redis-adapter.options';
import { connectRedis, createRedisClient, createRedisCluster, type RedisConnectionSettings, resolveRedisSettings, whenReady } from './redis-client.factory';
import { RedisClusterSubscribers } from './redis-cluster.subscribers';
import { RedisConnectionMonitor } from './redis-connection.monitor';
import { decodeEventMessage } from './redis-event.message';
import { RedisGroupIndex } from './redis-group.index';
import { RedisLastValues } from './redis-last-values';
import { setChange } from '../delta/item-change';
import { EXPIRY_SHARDS, type ClaimedGroup, RedisExpiryIndex } from './redis-expiry.index';
import { DEFAULT_EXPIRY, type ExpiryLimits, startSweeps } from '../expiry/item-expiry';
import { RedisMetaKeepAlive } from './redis-meta.keepalive';
import { RedisPresenceStore } from './redis-presence.store';
import { RedisAdapterError } from './redis.errors';
import { type RedisGroupKeys, RedisKeyspace } from './redis.keys';
import {
  CLOCK_WAIT_REPLY,
  DELETE_SCRIPT,
  EXPIRE_SCRIPT,
  HISTORY_SCRIPT,
  PUBLISH_SCRIPT,
  READ_SCRIPT,
  REDIS_SCRIPTS,
  type RedisScript,
  SET_SCRIPT,
  SNAPSHOT_SCRIPT,
  UPDATE_SCRIPT,
} from './redis.scripts';
import { RedisSubscriber } from './redis.subscriber';
import { SingleSubscriberLink, type SubscriberLink } from './redis-subscriber.link';
import { RedisWriteOrder } from './redis-write.order';
import type { MutationLedgerLimits } from '../mutation-ledger/mutation.ledger';
import { RedisMutationLedger } from '../mutation-ledger/redis-mutation.ledger';

type ScriptArg = string | number;
type ScriptCommand = (...args: ScriptArg[]) => Promise<unknown[]>;

/** Redis 7 introduced sharded pub/sub (SPUBLISH/SSUBSCRIBE). */
const MIN_REDIS_MAJOR = 7;

/**
 * Shared state, fan-out and resume history across app instances (docs/reference/redis.md). Items of a group live in
 * one HASH; every write is one Lua script that reads the old value, writes, advances the group's position,
 * publishes the frame on the group's sharded channel and appends it to the group's log, atomically. On one
 * server: two connections, commands and subscriber. On a Cluster: the Cluster command client (a connection
 * per master) and one subscriber connection per master serving a subscribed group (redis-cluster.subscribers.ts).
 */
export class RedisStreamAdapter extends StreamAdapter {
  private readonly logger = new Logger('Streams');
  private readonly keys: RedisKeyspace;
  /** What this instance wrote last per item, for the patches of its sets (SPEC §9). */
  private readonly lastValues = new RedisLastValues();
  private readonly index: RedisGroupIndex;
  private readonly subscriber: RedisSubscriber;
  private readonly monitors: RedisConnectionMonitor[];
  /** Subscribed groups keep their position although a group without items lets it expire. */
  private readonly keepAlive: RedisMetaKeepAlive;
  /**
   * The server's run id, read on every (re)connect; scripts wait for it. A group last written under another
   * run id (restart, failover) starts a new history and moves `seq` past anything issued before. Empty on a
   * Cluster, where each script reads the run id of the master it runs on (a slot can move to another master).
   */
  private runId = '';
  private serverInfo: Promise<void> = Promise.resolve();
  /** Names this adapter's held writes (redis.scripts.ts, WRITE_GATE). */
  private readonly instance = randomBytes(9).toString('base64url');
  private readonly order = new RedisWriteOrder(clockWait);
  private readonly expiring: RedisExpiryIndex;
  private expiryListener: ExpiryListener = () => undefined;
  private stopSweeps: () => Promise<void> = async () => undefined;
  /** The shard the next sweep starts with: each sweep starts one further, so a busy shard cannot starve the others. */
  private nextShard = 0;

  private constructor(
    private readonly settings: RedisConnectionSettings,
    private readonly historyLimits: HistoryLimits,
    private readonly idempotencyLimits: IdempotencyLimits,
    private readonly expiry: ExpiryLimits,
    /** The adapter's `presence` option: how presence entries expire and are re-read (presenceStore). */
    private readonly presence: Required<RedisPresenceOptions>,
    private readonly commands: Redis | Cluster,
    private readonly link: SubscriberLink,
    subscriberClient: Redis | null,
  ) {
    super();
    this.keys = new RedisKeyspace(settings.keyPrefix);
    this.index = new RedisGroupIndex(commands, this.keys);
    this.expiring = new RedisExpiryIndex(commands, this.keys);
    this.keepAlive = new RedisMetaKeepAlive(commands, this.keys, historyLimits.maxAgeMs);
    // Catching up after a reconnect reads the log through the command connection, which may come back later.
    const replay = async (stream: string, group: string, epoch: string, seq: number) => {
      await whenReady(commands, settings.connectTimeoutMs);
      return this.history(stream, group, epoch, seq);
    };
    this.subscriber = new RedisSubscriber(link, this.keys, replay, settings.target, this.logger);
    for (const { name, lua } of REDIS_SCRIPTS) commands.defineCommand(name, { numberOfKeys: 8, lua });
    commands.defineCommand(READ_SCRIPT.name, { numberOfKeys: 3, lua: READ_SCRIPT.lua });
    this.monitors = [new RedisConnectionMonitor(commands, 'command', settings.target, this.logger, () => (this.serverInfo = this.readServerInfo(false)))];
    // A Cluster's subscriber connections follow the slot map themselves and report what they displaced.
    if (subscriberClient) {
      this.monitors.push(new RedisConnectionMonitor(subscriberClient, 'subscriber', settings.target, this.logger, () => void this.subscriber.resubscribe()));
    }
  }

  /**
   * Opens both connections, waiting up to `connectTimeoutMs` (default 5 s) for Redis, and checks the server
   * is Redis 7 or later. Rejects with an error naming the URL (password hidden) when it cannot.
   * `history` bounds the events kept per group for resume (the module's `history` option), `idempotency`
   * the records of keyed writes (`maxKeys` is for the in-process adapters: here records expire with their keys).
   */
  static async connect(
    options: RedisAdapterOptions,
    history: HistoryLimits = DEFAULT_HISTORY,
    idempotency: IdempotencyLimits = DEFAULT_IDEMPOTENCY,
    expiry: ExpiryLimits = DEFAULT_EXPIRY,
  ): Promise<RedisStreamAdapter> {
    const settings = resolveRedisSettings(options);
    const presence = { ...REDIS_PRESENCE_DEFAULTS, ...options.presence };
    if (settings.cluster) {
      const cluster = createRedisCluster(settings);
      const link = new RedisClusterSubscribers(cluster, settings.options, settings.connectTimeoutMs, new Logger('Streams'));
      const adapter = new RedisStreamAdapter(settings, history, idempotency, expiry, presence, cluster, link, null);
      return adapter.start([connectRedis(cluster, settings)], () => void link.close());
    }
    const [commands, subscriberClient] = [createRedisClient(settings), createRedisClient(settings)];
    const adapter = new RedisStreamAdapter(settings, history, idempotency, expiry, presence, commands, new SingleSubscriberLink(subscriberClient), subscriberClient);
    return adapter.start([connectRedis(commands, settings), connectRedis(subscriberClient, settings)], () => subscriberClient.disconnect());
  }

  /** Waits for the connections and checks the server; on failure everything is stopped. */
  private async start(connections: Array<Promise<void>>, stopSubscriber: () => void): Promise<RedisStreamAdapter> {
    try {
      await Promise.all(connections);
      await this.readServerInfo(true);
    } catch (error) {
      this.keepAlive.stop();
      this.commands.disconnect();
      stopSubscriber();
      throw error;
    }
    this.stopSweeps = startSweeps(this.expiry, () => this.sweepExpired(), (error) => this.logger.warn(`Redis expiry sweep failed: ${describe(error)}`));
    return this;
  }

  async get(stream: string, group: string, item: string): Promise<unknown> {
    return parse(await this.guard('get', () => this.read(stream, group, 'item', item)));
  }

  /** The value and its version in one atomic read (a script on the group's slot). */
  async getVersioned(stream: string, group: string, item: string): Promise<VersionedValue> {
    const [value, version] = (await this.guard('get', () => this.read(stream, group, 'versioned', item))) as [string | null, string | null];
    if (typeof value !== 'string') return { value: null, version: null };
    return { value: JSON.parse(value) as unknown, version: typeof version === 'string' ? version : UNVERSIONED };
  }

  async set(stream: string, group: string, item: string, data: unknown, options: ItemWriteOptions = {}): Promise<AdapterSetOutcome> {
    const value = JSON.stringify(data) ?? 'null';
    const args = [item, value, ...conditionArgs(options.condition), options.ttlMs ?? '', ...this.patchArgs(stream, group, item, data)];
    const reply = await this.remembering(stream, group, item, () => this.guard('set', () => this.write(SET_SCRIPT, stream, group, item, options.idempotency, args)));
    const replay = settled(reply, options.idempotency);
    if (replay !== null) return replayed(replay);
    const [message, old, created, expiry] = reply;
    if (created === 1) await this.reannounce(stream, group);
    await this.scheduled(stream, group, expiry);
    const envelope = decodeEventMessage(message as string);
    this.lastValues.remember(stream, group, item, versionOf(envelope), value);
    return { old_value: parse(old), new_value: JSON.parse(value), version: versionOf(envelope), envelope };
  }

  async update(stream: string, group: string, item: string, ops: readonly unknown[], options: ItemWriteOptions = {}): Promise<AdapterUpdateOutcome> {
    const args = [item, encodeOps(ops), ...conditionArgs(options.condition), options.ttlMs ?? ''];
    const reply = await this.remembering(stream, group, item, () => this.guard('update', () => this.write(UPDATE_SCRIPT, stream, group, item, options.idempotency, args)));
    const replay = settled(reply, options.idempotency);
    if (replay !== null) return replayed(replay);
    const [message, old, created, value, errors, expiry] = reply;
    if (created === 1) await this.reannounce(stream, group);
    await this.scheduled(stream, group, expiry);
    const envelope = decodeEventMessage(message as string);
    this.lastValues.remember(stream, group, item, versionOf(envelope), value as string);
    return {
      old_value: parse(old),
      new_value: JSON.parse(value as string),
      errors: JSON.parse(errors as string) as UpdateOpError[],
      version: versionOf(envelope),
      envelope,
    };
  }

  async delete(stream: string, group: string, item: string, options: ItemWriteOptions = {}): Promise<AdapterDeleteOutcome> {
    this.lastValues.drop(stream, group, item);
    const reply = await this.guard('delete', () => this.runWrite(DELETE_SCRIPT, stream, group, item, options.idempotency, [item, ...conditionArgs(options.condition)]));
    const replay = settled(reply, options.idempotency);
    if (replay !== null) return replayed(replay);
    const [message, old, emptied] = reply;
    if (message === null) return { old_value: null, version: null, envelope: null };
    if (emptied === 1) await this.retract(stream, group);
    const envelope = decodeEventMessage(message as string);
    return { old_value: parse(old), version: versionOf(envelope), envelope };
  }

  async list(stream: string, group: string): Promise<unknown[]> {
    const values = (await this.guard('list', () => this.read(stream, group, 'list', ''))) as string[];
    return values.map((v) => JSON.parse(v) as unknown);
  }

  async listGroups(stream: string): Promise<string[]> {
    return this.guard('listGroups', () => this.index.listGroups(stream));
  }

  async listAll(): Promise<StreamSummary[]> {
    return this.guard('listAll', () => this.index.listAll());
  }

  async publish(message: StreamMessage, idempotency?: IdempotentWrite): Promise<StreamEnvelope | null> {
    const args = [JSON.stringify(message.event)];
    const reply = await this.guard('publish', () => this.runWrite(PUBLISH_SCRIPT, message.streamName, message.groupId, message.id, idempotency, args));
    return settled(reply, idempotency) === null ? decodeEventMessage(reply[0] as string) : null;
  }

  async snapshot(stream: string, group: string, item: string | null, versions = false): Promise<StreamSnapshot> {
    const mode = item === null ? 'group' : 'item';
    const reply = await this.guard('snapshot', () => this.runRead(SNAPSHOT_SCRIPT, stream, group, [mode, item ?? '', versions ? '1' : '']));
    const [seq, timestamp, epoch, data] = reply;
    const snapshot: StreamSnapshot = { seq: seq as number, timestamp: timestamp as number, epoch: epoch as string, data: parse(data), ...(versions ? snapshotVersions(item, reply[4]) : {}) };
    // Where a quiet group's subscribers start from, for a catch-up after a reconnect.
    this.subscriber.observe(stream, group, snapshot);
    return snapshot;
  }

  /** Stores nothing for a group without meta (a rejected join leaves no key). */
  async position(stream: string, group: string): Promise<StreamPosition> {
    const [seq, timestamp, epoch] = await this.guard('position', () => this.runRead(SNAPSHOT_SCRIPT, stream, group, ['none', '']));
    // It stamps a frame for a client (`unauthorized`), which a restarted clock must not go below either.
    this.subscriber.observeTimestamp(stream, group, timestamp as number);
    return { seq: seq as number, timestamp: timestamp as number, epoch: (epoch as string | null) ?? undefined };
  }

  override async history(stream: string, group: string, epoch: string, seq: number, versions?: VersionsRead): Promise<StreamReplay | null> {
    if (!Number.isSafeInteger(seq) || seq < 0) return null;
    const asked = versions ? [versions.item === null ? 'group' : 'item', versions.item ?? ''] : ['', ''];
    const reply = await this.guard('history', () => this.runRead(HISTORY_SCRIPT, stream, group, [epoch, seq, ...asked]));
    if (reply[0] === null) return null;
    const [last, timestamp, current, read, ...messages] = reply;
    const position = { seq: last as number, timestamp: timestamp as number, epoch: current as string };
    // A resumed subscriber starts from here, as a joining one from its snapshot.
    this.subscriber.observe(stream, group, position);
    return { envelopes: messages.map((m) => decodeEventMessage(m as string)), position, ...(versions ? snapshotVersions(versions.item, read) : {}) };
  }

  attach(sink: StreamSink): void {
    this.subscriber.attach(sink);
  }

  onExpire(listener: ExpiryListener): void {
    this.expiryListener = listener;
  }

  /**
   * Claims the groups with items due, shard after shard, and deletes up to `batch` of their items, each with
   * EXPIRE_SCRIPT (which re-checks the expiry: one instance only deletes an item and publishes its `delete`).
   */
  async sweepExpired(): Promise<number> {
    let budget = this.expiry.batch;
    let deleted = 0;
    const first = this.nextShard;
    this.nextShard = (first + 1) % EXPIRY_SHARDS;
    for (let i = 0; i < EXPIRY_SHARDS && budget > 0; i++) {
      const claimed = await this.guard('expire', () => this.expiring.claim((first + i) % EXPIRY_SHARDS, budget));
      for (const group of claimed) {
        // Groups claimed past the budget are handed back for the next sweep.
        const swept = budget > 0 ? await this.sweepGroup(group, budget) : { deleted: 0, spent: 0, next: 0 };
        budget -= swept.spent;
        deleted += swept.deleted;
        await this.guard('expire', () => this.expiring.settle(group, swept.next));
      }
    }
    return deleted;
  }

  /** Deletes a claimed group's due items (`budget` at most); `next`: its earliest expiry left (0: more are due). */
  private async sweepGroup({ stream, group }: ClaimedGroup, budget: number): Promise<{ deleted: number; spent: number; next: number | null }> {
    const g = this.keys.group(stream, group);
    const due = await this.guard('expire', () => this.commands.zrangebyscore(g.expiries, '-inf', Date.now(), 'LIMIT', 0, budget));
    if (due.length === 0) {
      const [, first] = await this.guard('expire', () => this.commands.zrange(g.expiries, 0, 0, 'WITHSCORES'));
      return { deleted: 0, spent: 1, next: first === undefined ? null : Number(first) };
    }
    const replies = await Promise.all(due.map((item) => this.guard('expire', () => this.runWrite(EXPIRE_SCRIPT, stream, group, item, undefined, [item]))));
    let deleted = 0;
    for (const [message, , emptied] of replies) {
      if (message === null) continue;
      deleted++;
      if (emptied === 1) await this.retract(stream, group);
      this.expiryListener(decodeEventMessage(message as string));
    }
    const next = replies[replies.length - 1];
    const left = (next[0] === null ? next[1] : next[3]) as string | null;
    return { deleted, spent: due.length, next: due.length === budget ? 0 : left === null ? null : Number(left) };
  }

  async watch(stream: string, group: string): Promise<Unwatch> {
    const unwatch = await this.subscriber.watch(stream, group);
    const untrack = this.keepAlive.track(stream, group);
    return async () => {
      untrack();
      await unwatch();
    };
  }

  override presenceStore(): RedisPresenceStore {
    return new RedisPresenceStore(this.commands, this.keys, this.presence.ttlMs, this.presence.sweepIntervalMs);
  }

  override mutationLedger(limits: MutationLedgerLimits): RedisMutationLedger {
    return new RedisMutationLedger(this.commands, this.keys.prefix, limits);
  }

  async ping(): Promise<void> {
    await this.guard('ping', () => this.commands.ping());
  }

  async close(): Promise<void> {
    await this.stopSweeps();
    for (const monitor of this.monitors) monitor.markClosing();
    this.keepAlive.stop();
    this.subscriber.clear();
    this.lastValues.clear();
    await Promise.all([quit(this.commands), this.link.close()]);
  }

  /**
   * A write that may create the group: the index announcement lands first. On one server it goes out first
   * on the same connection; on a Cluster the index keys live on other masters, so it is awaited (one more
   * round trip per write).
   */
  private async write(script: RedisScript, stream: string, group: string, item: string, idempotency: IdempotentWrite | undefined, args: ScriptArg[]): Promise<unknown[]> {
    if (this.settings.cluster) {
      await this.index.announceInOrder(stream, group);
      return this.runWrite(script, stream, group, item, idempotency, args);
    }
    const [, reply] = await Promise.all([this.index.announce(stream, group), this.runWrite(script, stream, group, item, idempotency, args)]);
    return reply;
  }

  /**
   * ARGV[18..19] of a set: the version of the value this instance wrote last and an RFC 6902 patch from it to
   * `data` (SPEC §9; the script keeps it only if the item is still at that version), or nothing.
   */
  private patchArgs(stream: string, group: string, item: string, data: unknown): [string, string] {
    const last = this.lastValues.get(stream, group, item);
    const change = last && setChange(last.version, JSON.parse(last.json), data);
    return change?.patch ? [change.base, JSON.stringify(change.patch)] : ['', ''];
  }

  /** Runs a write of the item, forgetting its last value first: a write that fails or is replayed leaves it unknown. */
  private async remembering<T>(stream: string, group: string, item: string, write: () => Promise<T>): Promise<T> {
    this.lastValues.drop(stream, group, item);
    return write();
  }

  /** After a delete emptied the group; an index entry left behind is cleaned up by the next listing, so only log. */
  private async retract(stream: string, group: string): Promise<void> {
    await this.index.retract(stream, group).catch((error: unknown) => this.logger.warn(`Redis index cleanup of ${stream}/${group} failed: ${describe(error)}`));
  }

  /**
   * After a write with a TTL: its group's expiry index entry (after the script, see RedisExpiryIndex). If
   * this fails the item still reads as missing once expired, but is deleted only when the group is swept.
   */
  private async scheduled(stream: string, group: string, expiry: unknown): Promise<void> {
    if (expiry === null || expiry === undefined) return;
    await this.expiring.touch(stream, group, Number(expiry)).catch((error: unknown) => this.logger.warn(`Redis expiry index update of ${stream}/${group} failed: ${describe(error)}`));
  }

  /** A read hiding expired items (READ_SCRIPT). */
  private read(stream: string, group: string, mode: 'item' | 'versioned' | 'list', item: string): Promise<unknown> {
    const g = this.keys.group(stream, group);
    return (this.commands as unknown as Record<string, ScriptCommand>)[READ_SCRIPT.name].call(this.commands, g.items, g.versions, g.expiries, mode, item);
  }

  /** After a write created the group: announce again, in case a concurrent retract removed it meanwhile. */
  private async reannounce(stream: string, group: string): Promise<void> {
    await this.index.announce(stream, group).catch((error: unknown) => this.logger.warn(`Redis index update of ${stream}/${group} failed: ${describe(error)}`));
  }

  /**
   * Runs a script that writes an event of the group. While the group's clock is at its lead cap the script
   * changes nothing and says how long to wait; it is then sent again, after the instance's earlier writes
   * to the group and before its later ones (redis-write.order.ts).
   */
  private async runWrite(script: RedisScript, stream: string, group: string, id: string | null, idempotency: IdempotentWrite | undefined, args: ScriptArg[]): Promise<unknown[]> {
    await this.serverInfo;
    const g = this.keys.group(stream, group);
    const fragment = names(stream, group, id);
    return this.order.run(g.meta, (ticket, oldest) => this.call(script, g, fragment, ticket, oldest, idempotency, args));
  }

  /** Runs a script that reads the group at a read timestamp; run again while the clock makes it wait (rare: reads share ticks). */
  private async runRead(script: RedisScript, stream: string, group: string, args: ScriptArg[]): Promise<unknown[]> {
    await this.serverInfo;
    const g = this.keys.group(stream, group);
    const fragment = names(stream, group, null);
    for (;;) {
      try {
        return await this.call(script, g, fragment, 0, 0, undefined, args);
      } catch (error) {
        const wait = clockWait(error);
        if (wait === null) throw error;
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  /** One script call with the common keys and head arguments (see redis.scripts.ts). */
  private call(
    script: RedisScript,
    g: RedisGroupKeys,
    fragment: string,
    ticket: number,
    oldest: number,
    idempotency: IdempotentWrite | undefined,
    args: ScriptArg[],
  ): Promise<unknown[]> {
    const command = (this.commands as unknown as Record<string, ScriptCommand>)[script.name];
    const { size, maxAgeMs } = this.historyLimits;
    const floor = this.subscriber.floor(g.channel);
    const keys = [g.items, g.meta, g.log, this.keys.hold(g, this.instance), g.versions, g.idempotency, g.idempotencyExpiry, g.expiries];
    const key = idempotency ? JSON.stringify(idempotency.key) : '';
    const { ttlMs: keptMs, maxKeysPerGroup } = this.idempotencyLimits;
    const head = [this.runId, g.channel, fragment, size, maxAgeMs, floor, ticket, oldest, key, idempotency?.fingerprint ?? '', keptMs, maxKeysPerGroup];
    return command.call(this.commands, ...keys, ...head, ...args);
  }

  /** Reads the server's run id and version (after connect and after every reconnect). */
  private async readServerInfo(onConnect: boolean): Promise<void> {
    try {
      const info = await this.commands.info('server');
      const version = /^redis_version:(\S+)/m.exec(info)?.[1] ?? '?';
      if (onConnect && !(Number.parseInt(version, 10) >= MIN_REDIS_MAJOR)) {
        throw new Error(`The Redis adapter needs Redis ${MIN_REDIS_MAJOR}.0 or later (sharded pub/sub); ${this.settings.target} runs ${version}`);
      }
      if (!this.settings.cluster) this.runId = /^run_id:(\S+)/m.exec(info)?.[1] ?? '';
    } catch (error) {
      if (onConnect) throw error;
      this.logger.warn(`Redis server info could not be read after reconnecting to ${this.settings.target}: ${describe(error)}`);
    }
  }

  /** Every Redis failure reaches the caller as a rejection that names the operation and the server. */
  private async guard<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw new RedisAdapterError(operation, this.settings.target, this.commands, error);
    }
  }
}

/** The ms a script asked to wait for its group's clock, or null when the error is anything else. */
function clockWait(error: unknown): number | null {
  const match = error instanceof Error ? new RegExp(`${CLOCK_WAIT_REPLY} (\\d+)`).exec(error.message) : null;
  return match ? Number(match[1]) : null;
}

/** A write's condition as the scripts take it: kind and wanted version ('' for a missing item). */
function conditionArgs(condition: WriteCondition | undefined): [string, string] {
  if (!condition) return ['', ''];
  if ('if_version' in condition) return ['version', condition.if_version ?? ''];
  return ['if_absent' in condition ? 'absent' : 'exists', ''];
}

/**
 * A write script's reply: a refusal (`[nil, code, version | nil]`) rejects with the conflict or the reused key;
 * a replay (`['replay', result JSON]`) gives the recorded result; else null (the write ran).
 */
function settled(reply: unknown[], idempotency: IdempotentWrite | undefined): string | null {
  if (reply[0] === 'replay') return reply[1] as string;
  if (reply[0] !== null || typeof reply[1] !== 'string') return null;
  if (reply[1] === 'idempotency_key_reused') throw new StreamsIdempotencyError(idempotency!.key);
  throw new StreamsConflictError(reply[1] as StreamsConflictCode, (reply[2] as string | null) ?? null);
}

function versionOf(envelope: StreamEnvelope): string {
  return formatPosition(envelope.epoch!, envelope.seq);
}

/** The frame fragment between timestamp and event, JSON-encoded here so Lua never escapes names. */
function names(stream: string, group: string, id: string | null): string {
  return `,"streamName":${JSON.stringify(stream)},"groupId":${JSON.stringify(group)},"id":${JSON.stringify(id)}`;
}

/** The ops exactly as the engine copies them: each op through JSON, an unserialisable one as null. */
function encodeOps(ops: readonly unknown[]): string {
  if (!Array.isArray(ops)) return '[]';
  return `[${Array.from({ length: ops.length }, (_, i) => jsonText(ops[i]) ?? 'null').join(',')}]`;
}

function jsonText(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

function parse(text: unknown): unknown {
  return typeof text === 'string' ? (JSON.parse(text) as unknown) : null;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function quit(client: Redis | Cluster): Promise<void> {
  if (client.status === 'end') return;
  await client.quit().catch(() => client.disconnect());
}

/** The versions a snapshot script read (ARGV[15]): an item's version, or a group's flat id/version list. */
function snapshotVersions(item: string | null, read: unknown): Pick<StreamSnapshot, 'items' | 'version'> {
  const version = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
  if (item !== null) return { version: version(read) };
  const flat = Array.isArray(read) ? (read as unknown[]) : [];
  const items = [];
  for (let i = 0; i + 1 < flat.length; i += 2) items.push({ id: String(flat[i]), version: version(flat[i + 1]) });
  return { items };
}
