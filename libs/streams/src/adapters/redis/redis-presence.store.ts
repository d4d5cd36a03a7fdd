import { randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { groupKey } from '../group.key';
import type { PresenceRead, PresenceRecord, PresenceStore } from '../../presence/presence.types';
import type { RedisKeyspace } from './redis.keys';

/**
 * Drops the entries whose instance stopped refreshing them (score = expiry, Redis clock) and bumps the
 * version when it did. Shared by every script below; KEYS: entries ZSET, records HASH, version STRING;
 * ARGV[1]: ttl.
 *
 * A version never repeats for a group, or a reader holding it would miss the change: once the key expired
 * (the group emptied), the next counter starts at the clock in microseconds, past every earlier version
 * (a group cannot change more than once per microsecond).
 */
const PURGE = `
local ttl = tonumber(ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function bump()
  if redis.call('EXISTS', KEYS[3]) == 0 then
    redis.call('SET', KEYS[3], t[1] .. string.format('%06d', tonumber(t[2])), 'PX', ttl * 2)
  end
  redis.call('INCR', KEYS[3])
end
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
for i = 1, #dead, 1000 do
  redis.call('HDEL', KEYS[2], unpack(dead, i, math.min(i + 999, #dead)))
end
if #dead > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
  bump()
end
`;

const EXPIRE_ALL = `
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ttl * 2) end
`;

/** ARGV: ttl, max entries, then field/record pairs. Returns 0 when a new entry would pass `max`. */
const PUT = `${PURGE}
local max = tonumber(ARGV[2])
local added = 0
for i = 3, #ARGV, 2 do
  local field = ARGV[i]
  if not redis.call('ZSCORE', KEYS[1], field) and redis.call('ZCARD', KEYS[1]) >= max then return 0 end
  added = added + redis.call('ZADD', KEYS[1], now + ttl, field)
  if redis.call('HGET', KEYS[2], field) ~= ARGV[i + 1] then
    redis.call('HSET', KEYS[2], field, ARGV[i + 1])
    added = added + 1
  end
end
if added > 0 then bump() end
${EXPIRE_ALL}
return 1
`;

/** ARGV: ttl, field. */
const REMOVE = `${PURGE}
local removed = redis.call('ZREM', KEYS[1], ARGV[2])
redis.call('HDEL', KEYS[2], ARGV[2])
if removed > 0 then bump() end
if redis.call('ZCARD', KEYS[1]) == 0 then redis.call('DEL', KEYS[1], KEYS[2]) end
return removed
`;

/** ARGV: ttl, the version the caller has. Returns { version } when unchanged, else { version, field, record, ... }. */
const READ = `${PURGE}
local v = redis.call('GET', KEYS[3]) or '0'
if v == ARGV[2] then return { v } end
local out = redis.call('HGETALL', KEYS[2])
table.insert(out, 1, v)
return out
`;

/** One of this instance's entries: its record's JSON, and whether Redis accepted it (within `max`). */
interface OwnEntry {
  json: string;
  accepted: boolean;
}

type ScriptCall = (zset: string, hash: string, version: string, ...args: (string | number)[]) => Promise<unknown>;
type PresenceCommands = (Redis | Cluster) & { streamsPresencePut: ScriptCall; streamsPresenceRemove: ScriptCall; streamsPresenceRead: ScriptCall };

/**
 * Presence shared by every instance on one Redis (docs/protocol.md, "Presence"). Per group, under the group's
 * hash tag (one Cluster slot, single-slot scripts only): a ZSET of `<instance>\n<member key>` scored with the
 * entry's expiry, a HASH of those fields to their records, and a version counter bumped by every change.
 * Each instance re-writes its own entries every `ttlMs / 3`; the entries of an instance that died expire
 * `ttlMs` after its last refresh and are dropped by the next script touching the group (the other instances
 * read every `pollMs`).
 */
export class RedisPresenceStore implements PresenceStore {
  readonly pollMs: number;
  /** Distinguishes this process's entries from those of other instances (and of its own earlier runs). */
  private readonly instance = randomBytes(9).toString('base64url');
  /** This instance's entries, re-written by the keep-alive once Redis accepted them. */
  private readonly own = new Map<string, { stream: string; group: string; entries: Map<string, OwnEntry> }>();
  /** The entry each record read was parsed from: an entry read again unchanged is not parsed again. */
  private readonly parsed = new WeakMap<PresenceRecord, string>();
  private readonly timer: NodeJS.Timeout;
  private readonly commands: PresenceCommands;

  constructor(
    commands: Redis | Cluster,
    private readonly keys: RedisKeyspace,
    private readonly ttlMs: number,
    pollMs: number,
  ) {
    this.pollMs = pollMs;
    this.commands = commands as PresenceCommands;
    commands.defineCommand('streamsPresencePut', { numberOfKeys: 3, lua: PUT });
    commands.defineCommand('streamsPresenceRemove', { numberOfKeys: 3, lua: REMOVE });
    commands.defineCommand('streamsPresenceRead', { numberOfKeys: 3, lua: READ });
    this.timer = setInterval(() => void this.refresh(), Math.max(1, Math.floor(ttlMs / 3)));
    this.timer.unref();
  }

  async put(stream: string, group: string, key: string, record: PresenceRecord, max: number): Promise<boolean> {
    const json = JSON.stringify(record);
    // Tracked as the write goes out, so a remove sent before its reply also ends it here; a new entry is kept
    // alive only once accepted (the keep-alive writes past `max`), and a refused write is taken back.
    const entries = this.entriesOf(stream, group);
    const before = entries.get(key);
    const entry = { json, accepted: before?.accepted ?? false };
    entries.set(key, entry);
    let ok = false;
    try {
      ok = (await this.commands.streamsPresencePut(...this.names(stream, group), this.ttlMs, max, this.field(key), json)) === 1;
    } finally {
      if (entries.get(key) === entry) {
        if (ok) entry.accepted = true;
        else if (before) entries.set(key, before);
        else this.forget(stream, group, key);
      }
    }
    return ok;
  }

  async remove(stream: string, group: string, key: string): Promise<void> {
    this.forget(stream, group, key);
    await this.commands.streamsPresenceRemove(...this.names(stream, group), this.ttlMs, this.field(key));
  }

  async read(stream: string, group: string, since: string | null, known?: (key: string) => PresenceRecord | undefined): Promise<PresenceRead> {
    const reply = (await this.commands.streamsPresenceRead(...this.names(stream, group), this.ttlMs, since ?? '')) as string[];
    const version = reply[0];
    if (reply.length === 1 && version === since) return { version, members: null };
    const members = new Map<string, PresenceRecord>();
    for (let i = 1; i + 1 < reply.length; i += 2) {
      const key = reply[i].slice(reply[i].indexOf('\n') + 1);
      const json = reply[i + 1];
      const prior = known?.(key);
      const record = prior !== undefined && this.parsed.get(prior) === json ? prior : this.parse(json);
      const other = members.get(key);
      // One member per key across instances: the entry written last wins.
      if (!other || record.at > other.at) members.set(key, record);
    }
    return { version, members };
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.own.clear();
  }

  /** Re-writes every entry of this instance, pushing its expiry back (and restoring it if Redis lost it). */
  private async refresh(): Promise<void> {
    for (const { stream, group, entries } of this.own.values()) {
      const args = [...entries].flatMap(([key, { json, accepted }]) => (accepted ? [this.field(key), json] : []));
      if (args.length === 0) continue;
      // The bound was checked when each entry was added; a refresh must never drop one of them.
      await this.commands.streamsPresencePut(...this.names(stream, group), this.ttlMs, Number.MAX_SAFE_INTEGER, ...args).catch(() => undefined);
    }
  }

  private parse(json: string): PresenceRecord {
    const record = JSON.parse(json) as PresenceRecord;
    this.parsed.set(record, json);
    return record;
  }

  private forget(stream: string, group: string, key: string): void {
    const gk = groupKey(stream, group);
    const own = this.own.get(gk);
    own?.entries.delete(key);
    if (own?.entries.size === 0) this.own.delete(gk);
  }

  private entriesOf(stream: string, group: string): Map<string, OwnEntry> {
    const gk = groupKey(stream, group);
    let own = this.own.get(gk);
    if (!own) this.own.set(gk, (own = { stream, group, entries: new Map() }));
    return own.entries;
  }

  private field(key: string): string {
    return `${this.instance}\n${key}`;
  }

  private names(stream: string, group: string): [string, string, string] {
    const base = this.keys.group(stream, group).channel;
    return [`${base}:presence`, `${base}:presence:records`, `${base}:presence:version`];
  }
}
