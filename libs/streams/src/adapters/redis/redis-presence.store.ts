import { randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { groupKey } from '../../common/group.key';
import type { PresenceChange, PresenceEntry, PresenceRead, PresenceRecord, PresenceStore } from '../../presence/presence.types';
import { decodePresenceMessage, splitField } from './redis-presence.message';
import type { RedisKeyspace } from './redis.keys';

/**
 * Shared by every script below. KEYS: entries ZSET, records HASH, version STRING; ARGV[1]: ttl, ARGV[2]: the
 * group's channel. Drops the entries whose instance stopped refreshing them (score = expiry, Redis clock), and
 * defines `publish`, which every script ends with: one version bump when the script changed anything, and
 * the change (redis-presence.message.ts) published on the group's channel, where the group's item events
 * travel too (sharded pub/sub: the channel shares the keys' slot).
 *
 * A version never repeats for a group, or a watcher holding it would take a newer list for one it has: once
 * the key expired (the group emptied), the next counter starts at the clock in microseconds, past every
 * earlier version (a group cannot change more than once per microsecond).
 */
const PRELUDE = `
local ttl = tonumber(ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local prev = redis.call('GET', KEYS[3]) or '0'
local set, gone = {}, {}
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
for i = 1, #dead, 1000 do
  redis.call('HDEL', KEYS[2], unpack(dead, i, math.min(i + 999, #dead)))
end
if #dead > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now) end
for i = 1, #dead do gone[#gone + 1] = cjson.encode(dead[i]) end

-- A keep-alive publishes even when nothing changed: it tells the watchers when the writer's entries expire.
local function publish(writer, refreshed, keepalive)
  local v = prev
  if #set > 0 or #gone > 0 then
    if redis.call('EXISTS', KEYS[3]) == 0 then
      redis.call('SET', KEYS[3], t[1] .. string.format('%06d', tonumber(t[2])), 'PX', ttl * 2)
    end
    redis.call('INCR', KEYS[3])
    v = redis.call('GET', KEYS[3])
  elseif not keepalive then
    return false
  end
  local message = 'p{"p":' .. prev .. ',"v":' .. v .. ',"i":' .. cjson.encode(writer) .. ',"t":' .. ARGV[1] .. ',"r":' .. refreshed ..
    ',"s":[' .. table.concat(set, ',') .. '],"d":[' .. table.concat(gone, ',') .. ']}'
  redis.call('SPUBLISH', ARGV[2], message)
  return message
end
`;

/**
 * ARGV: ttl, channel, max entries, writer, refreshed ('1' for the keep-alive of every entry), then
 * field/record pairs. Returns { 1, message } or, when a new entry would pass `max`, { 0, message or nil }.
 */
const PUT = `${PRELUDE}
local max = tonumber(ARGV[3])
for i = 6, #ARGV, 2 do
  local field = ARGV[i]
  if not redis.call('ZSCORE', KEYS[1], field) and redis.call('ZCARD', KEYS[1]) >= max then return { 0, publish(ARGV[4], '0', false) } end
  redis.call('ZADD', KEYS[1], now + ttl, field)
  if redis.call('HGET', KEYS[2], field) ~= ARGV[i + 1] then
    redis.call('HSET', KEYS[2], field, ARGV[i + 1])
    set[#set + 1] = '[' .. cjson.encode(field) .. ',' .. ARGV[i + 1] .. ']'
  end
end
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ttl * 2) end
return { 1, publish(ARGV[4], ARGV[5], true) }
`;

/** ARGV: ttl, channel, field, writer. Returns the message, nil when nothing changed. */
const REMOVE = `${PRELUDE}
if redis.call('ZREM', KEYS[1], ARGV[3]) > 0 then gone[#gone + 1] = cjson.encode(ARGV[3]) end
redis.call('HDEL', KEYS[2], ARGV[3])
if redis.call('ZCARD', KEYS[1]) == 0 then redis.call('DEL', KEYS[1], KEYS[2]) end
return publish(ARGV[4], '0', false)
`;

/** ARGV: ttl, channel, the version the caller has. Returns { version } when unchanged, else { version, field, record, ms left, ... }. */
const READ = `${PRELUDE}
publish('', '0', false)
local v = redis.call('GET', KEYS[3]) or '0'
if v == ARGV[3] then return { v } end
local out = { v }
local scored = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
for i = 1, #scored, 2 do
  local record = redis.call('HGET', KEYS[2], scored[i])
  if record then
    out[#out + 1] = scored[i]
    out[#out + 1] = record
    out[#out + 1] = tonumber(scored[i + 1]) - now
  end
end
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
 * Presence shared by every instance on one Redis (docs/reference/protocol.md, "Presence"). Per group, under the group's
 * hash tag (one Cluster slot, single-slot scripts only): a ZSET of `<instance>\n<member key>` scored with the
 * entry's expiry, a HASH of those fields to their records, and a version counter bumped by every change.
 * Every script publishes its change on the group's channel, so the instances watching the group hear it
 * without reading. Each instance re-writes its own entries every `ttlMs / 3` (which tells the watchers when
 * they expire); the entries of an instance that died expire `ttlMs` after its last refresh, and the first
 * watcher to see that moment pass reads the group, which drops them and publishes their leave.
 */
export class RedisPresenceStore implements PresenceStore {
  /** Distinguishes this process's entries from those of other instances (and of its own earlier runs). */
  readonly instance = randomBytes(9).toString('base64url');
  /** This instance's entries, re-written by the keep-alive once Redis accepted them. */
  private readonly own = new Map<string, { stream: string; group: string; entries: Map<string, OwnEntry> }>();
  private readonly timer: NodeJS.Timeout;
  private readonly commands: PresenceCommands;

  constructor(
    commands: Redis | Cluster,
    private readonly keys: RedisKeyspace,
    private readonly ttlMs: number,
    readonly sweepMs: number,
  ) {
    this.commands = commands as PresenceCommands;
    commands.defineCommand('streamsPresencePut', { numberOfKeys: 3, lua: PUT });
    commands.defineCommand('streamsPresenceRemove', { numberOfKeys: 3, lua: REMOVE });
    commands.defineCommand('streamsPresenceRead', { numberOfKeys: 3, lua: READ });
    this.timer = setInterval(() => void this.refresh(), Math.max(1, Math.floor(ttlMs / 3)));
    this.timer.unref();
  }

  async put(stream: string, group: string, key: string, record: PresenceRecord, max: number): Promise<PresenceChange | null> {
    const json = JSON.stringify(record);
    // Tracked as the write goes out, so a remove sent before its reply also ends it here; a new entry is kept
    // alive only once accepted (the keep-alive writes past `max`), and a refused write is taken back.
    const entries = this.entriesOf(stream, group);
    const before = entries.get(key);
    const entry = { json, accepted: before?.accepted ?? false };
    entries.set(key, entry);
    let reply: [number, string | null] | null = null;
    try {
      reply = (await this.commands.streamsPresencePut(...this.names(stream, group), max, this.instance, '0', this.field(key), json)) as [number, string | null];
    } finally {
      if (entries.get(key) === entry) {
        if (reply?.[0] === 1) entry.accepted = true;
        else if (before) entries.set(key, before);
        else this.forget(stream, group, key);
      }
    }
    // A refused write changed nothing of ours; anything it dropped meanwhile reaches the watchers on the channel.
    return reply![0] === 1 ? decodePresenceMessage(stream, group, reply![1]!) : null;
  }

  async remove(stream: string, group: string, key: string): Promise<PresenceChange | null> {
    this.forget(stream, group, key);
    const message = (await this.commands.streamsPresenceRemove(...this.names(stream, group), this.field(key), this.instance)) as string | null;
    return message === null ? null : decodePresenceMessage(stream, group, message);
  }

  async read(stream: string, group: string, since: number | null): Promise<PresenceRead> {
    const reply = (await this.commands.streamsPresenceRead(...this.names(stream, group), since === null ? '' : String(since))) as Array<string | number>;
    const version = Number(reply[0]);
    if (reply.length === 1 && version === since) return { version, entries: null };
    const entries: PresenceEntry[] = [];
    for (let i = 1; i + 2 < reply.length; i += 3) {
      entries.push({ ...splitField(reply[i] as string), record: JSON.parse(reply[i + 1] as string) as PresenceRecord, expiresInMs: Number(reply[i + 2]) });
    }
    return { version, entries };
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
      await this.commands.streamsPresencePut(...this.names(stream, group), Number.MAX_SAFE_INTEGER, this.instance, '1', ...args).catch(() => undefined);
    }
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

  /** The three keys, then the ttl and the channel every script takes first. */
  private names(stream: string, group: string): [string, string, string, number, string] {
    const base = this.keys.group(stream, group).channel;
    return [`${base}:presence`, `${base}:presence:records`, `${base}:presence:version`, this.ttlMs, base];
  }
}
