import type { Cluster, Redis } from 'ioredis';
import { clusterSlot } from './redis-cluster.slot';
import type { RedisKeyspace } from './redis.keys';

/** Index shards: spread over a Cluster's masters by their hash tags, each one ZSET plus one HASH. */
export const EXPIRY_SHARDS = 16;

/** How long a sweeping instance holds a group it claimed: another instance takes it over after that. */
const CLAIM_MS = 10_000;

/** A group a sweep claimed, with the write count its index entry had then. */
export interface ClaimedGroup {
  stream: string;
  group: string;
  writes: string;
}

type Command = (...args: Array<string | number>) => Promise<unknown>;

/** KEYS = [shard ZSET, shard HASH], ARGV[1] expiry, ARGV[2] member: the entry is at most the expiry, and the write counted. */
const TOUCH = `redis.call('ZADD', KEYS[1], 'LT', ARGV[1], ARGV[2])
redis.call('HINCRBY', KEYS[2], ARGV[2], 1)`;

/** ARGV[1] groups at most, ARGV[2] claim ms → [member, writes, ...] of groups due now, each held for the claim. */
const CLAIM = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', now), 'LIMIT', 0, ARGV[1])
local out = {}
for _, member in ipairs(due) do
  redis.call('ZADD', KEYS[1], string.format('%.0f', now + tonumber(ARGV[2])), member)
  out[#out + 1] = member
  out[#out + 1] = redis.call('HGET', KEYS[2], member) or '0'
end
return out`;

/** ARGV[1] member, ARGV[2] writes at claim, ARGV[3] next expiry ('' none): applied only if no write touched the entry since. */
const SETTLE = `if (redis.call('HGET', KEYS[2], ARGV[1]) or '0') ~= ARGV[2] then return 0 end
if ARGV[3] == '' then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
else
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
end
return 1`;

/**
 * Which groups have items due, without KEYS (SPEC §8): each group with items written with a TTL has an entry
 * in one of EXPIRY_SHARDS ZSETs, scored at most its earliest expiry. The shards live in other slots than the
 * groups, so an entry cannot change inside a group's script; instead:
 *
 * - a write with a TTL `touch`es its group's entry after its script (score lowered to its expiry if lower,
 *   and the entry's write count bumped);
 * - a sweep `claim`s due entries (moving them CLAIM_MS ahead, so other instances skip them meanwhile and
 *   take them over if this one dies), deletes their due items, then `settle`s each to the group's next
 *   expiry (or removes it) — unless a write touched it since the claim, whose score then stands: a lower
 *   bound is always safe, the worst case is one early visit.
 */
export class RedisExpiryIndex {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly keys: RedisKeyspace,
  ) {
    redis.defineCommand('streamsExpiryTouch', { numberOfKeys: 2, lua: TOUCH });
    redis.defineCommand('streamsExpiryClaim', { numberOfKeys: 2, lua: CLAIM });
    redis.defineCommand('streamsExpirySettle', { numberOfKeys: 2, lua: SETTLE });
  }

  touch(stream: string, group: string, expiry: number): Promise<unknown> {
    const member = JSON.stringify([stream, group]);
    return this.run('streamsExpiryTouch', this.shardOf(member), expiry, member);
  }

  async claim(shard: number, limit: number): Promise<ClaimedGroup[]> {
    const reply = (await this.run('streamsExpiryClaim', shard, limit, CLAIM_MS)) as string[];
    const claimed: ClaimedGroup[] = [];
    for (let i = 0; i < reply.length; i += 2) {
      const [stream, group] = JSON.parse(reply[i]) as [string, string];
      claimed.push({ stream, group, writes: reply[i + 1] });
    }
    return claimed;
  }

  /** `next`: the group's earliest remaining expiry (null: none left; 0: visit again at the next sweep). */
  settle({ stream, group, writes }: ClaimedGroup, next: number | null): Promise<unknown> {
    const member = JSON.stringify([stream, group]);
    return this.run('streamsExpirySettle', this.shardOf(member), member, writes, next === null ? '' : next);
  }

  private shardOf(member: string): number {
    return clusterSlot(member) % EXPIRY_SHARDS;
  }

  private run(name: string, shard: number, ...args: Array<string | number>): Promise<unknown> {
    const { groups, writes } = this.keys.expiring(shard);
    return ((this.redis as unknown as Record<string, Command>)[name]).call(this.redis, groups, writes, ...args);
  }
}
