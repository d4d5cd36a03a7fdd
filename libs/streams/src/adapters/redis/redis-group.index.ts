import type { Cluster, Redis } from 'ioredis';
import type { RedisKeyspace } from './redis.keys';

/**
 * Which streams and groups exist, without KEYS or a keyspace SCAN: a SET of stream names and, per stream,
 * a SET of group ids. They live in other slots than the groups, so they cannot change inside a group's
 * script; instead the protocol below keeps them right under concurrency:
 *
 * - every write that may create a group first `announce`s it (same connection, so it lands before the
 *   script; on a Cluster awaited, see `announceInOrder`), so a group is indexed before its first item
 *   exists, even if the process dies right after;
 * - the write that did create the group announces it again afterwards (group, then stream), undoing a
 *   concurrent `retract` that ran between the first announcement and the creation;
 * - `retract` (after a delete emptied the group, or when a listing meets an empty indexed group) removes
 *   first and then re-checks, putting the entry back if the group (or stream) filled up meanwhile.
 *
 * Readers filter out indexed groups that hold no items, so a stale entry is never listed.
 */
export class RedisGroupIndex {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly keys: RedisKeyspace,
  ) {}

  announce(stream: string, group: string): Promise<unknown> {
    return Promise.all([this.redis.sadd(this.keys.groups(stream), group), this.redis.sadd(this.keys.streams, stream)]);
  }

  /**
   * The announcement on a Cluster, where the index sets live on other masters than the group and than each
   * other, so nothing orders the commands but awaiting them: the group first, then the stream only when the
   * group was new to its set. A group already in the set means the stream is indexed, or a `retract` of
   * the stream has yet to re-check the set and will find the group there. So the one SET every write would
   * touch (`streams`) sees only writes that add a group.
   */
  async announceInOrder(stream: string, group: string): Promise<void> {
    if ((await this.redis.sadd(this.keys.groups(stream), group)) === 1) await this.redis.sadd(this.keys.streams, stream);
  }

  async retract(stream: string, group: string): Promise<void> {
    const groups = this.keys.groups(stream);
    await this.redis.srem(groups, group);
    if (await this.redis.exists(this.keys.group(stream, group).items)) {
      await this.redis.sadd(groups, group);
      return;
    }
    await this.retractStreamIfEmpty(stream);
  }

  /** Group ids of a stream that hold items; empty indexed groups met on the way are retracted. */
  async listGroups(stream: string): Promise<string[]> {
    const members = await this.redis.smembers(this.keys.groups(stream));
    const live = await Promise.all(members.map((group) => this.redis.exists(this.keys.group(stream, group).items)));
    const stale = members.filter((_, i) => live[i] === 0);
    await Promise.all(stale.map((group) => this.retract(stream, group)));
    return members.filter((_, i) => live[i] === 1);
  }

  /** Every stream with at least one non-empty group, and those groups, both sorted. */
  async listAll(): Promise<Array<{ id: string; groups: string[] }>> {
    const streams = await this.redis.smembers(this.keys.streams);
    const listed = await Promise.all(streams.map(async (id) => ({ id, groups: (await this.listGroups(id)).sort() })));
    const empty = listed.filter((s) => s.groups.length === 0);
    await Promise.all(empty.map((s) => this.retractStreamIfEmpty(s.id)));
    return listed.filter((s) => s.groups.length > 0).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  private async retractStreamIfEmpty(stream: string): Promise<void> {
    const groups = this.keys.groups(stream);
    if ((await this.redis.scard(groups)) > 0) return;
    await this.redis.srem(this.keys.streams, stream);
    if ((await this.redis.scard(groups)) > 0) await this.redis.sadd(this.keys.streams, stream);
  }
}
