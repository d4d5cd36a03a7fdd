import type { Cluster, Redis } from 'ioredis';
import { EARLIER_ANSWER, KEPT_REFUSALS, type LedgerVerdict, type MutationAnswer, type MutationLedger, type MutationLedgerLimits } from './mutation.ledger';

/**
 * One HASH per client (`last`, `answer`, `claim`, `until`, and `r:<id>` for each refusal among the last
 * KEPT_REFUSALS ids), expiring `ledgerTtlMs` after its last mutation.
 * Both steps run as one script on Redis's own clock, so instances with skewed clocks agree on claims, and a
 * client's keys live in one slot (Cluster safe: one key per call).
 */
const BEGIN = `
local k = KEYS[1]
local id = tonumber(ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local f = redis.call('HMGET', k, 'last', 'answer', 'claim', 'until')
local last = tonumber(f[1])
redis.call('PEXPIRE', k, ARGV[3])
if last and id <= last then
  if id == last then return {'answered', f[2]} end
  return {'answered', redis.call('HGET', k, 'r:' .. id)}
end
if last and id > last + 1 then return {'gap', tostring(last + 1)} end
if f[3] and tonumber(f[4]) > now then return {'busy'} end
redis.call('HSET', k, 'claim', id, 'until', now + tonumber(ARGV[2]))
redis.call('PEXPIRE', k, ARGV[3])
return {'apply'}
`;

const COMMIT = `
local k = KEYS[1]
local id = tonumber(ARGV[1])
local last = tonumber(redis.call('HGET', k, 'last'))
if not last or id > last then
  redis.call('HSET', k, 'last', id, 'answer', ARGV[2])
  redis.call('HDEL', k, 'r:' .. (id - tonumber(ARGV[4])))
  if ARGV[5] == '1' then redis.call('HSET', k, 'r:' .. id, ARGV[2]) end
end
if tonumber(redis.call('HGET', k, 'claim')) == id then redis.call('HDEL', k, 'claim', 'until') end
redis.call('PEXPIRE', k, ARGV[3])
return 1
`;

type LedgerCommands = (Redis | Cluster) & {
  streamsMutationBegin(key: string, id: number, leaseMs: number, ttlMs: number): Promise<[string, string | null | undefined]>;
  streamsMutationCommit(key: string, id: number, answer: string, ttlMs: number, kept: number, refused: '0' | '1'): Promise<number>;
};

/** The ledger shared by every instance on the Redis adapter's command connection (fails fast when Redis is down). */
export class RedisMutationLedger implements MutationLedger {
  private readonly commands: LedgerCommands;

  constructor(
    commands: Redis | Cluster,
    private readonly prefix: string,
    private readonly limits: MutationLedgerLimits,
  ) {
    commands.defineCommand('streamsMutationBegin', { numberOfKeys: 1, lua: BEGIN });
    commands.defineCommand('streamsMutationCommit', { numberOfKeys: 1, lua: COMMIT });
    this.commands = commands as LedgerCommands;
  }

  async begin(clientId: string, mutationId: number): Promise<LedgerVerdict> {
    const [kind, detail] = await this.commands.streamsMutationBegin(this.key(clientId), mutationId, this.limits.leaseMs, this.limits.ledgerTtlMs);
    if (kind === 'answered') return { kind, answer: typeof detail === 'string' ? { ...(JSON.parse(detail) as MutationAnswer), duplicate: true } : EARLIER_ANSWER };
    if (kind === 'gap') return { kind, expected: Number(detail) };
    return { kind: kind as 'apply' | 'busy' };
  }

  async commit(clientId: string, mutationId: number, answer: MutationAnswer): Promise<void> {
    await this.commands.streamsMutationCommit(this.key(clientId), mutationId, JSON.stringify(answer), this.limits.ledgerTtlMs, KEPT_REFUSALS, answer.status === 'rejected' ? '1' : '0');
  }

  private key(clientId: string): string {
    // The tag is the id's base64url: any characters, and no `{` or `}` to cut it short.
    return `${this.prefix}:mutations:{${Buffer.from(clientId).toString('base64url')}}`;
  }
}
