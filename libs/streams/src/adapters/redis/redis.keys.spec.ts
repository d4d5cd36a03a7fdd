import { RedisKeyspace } from './redis.keys';

/** The Cluster hash tag of a key: the text between the first `{` and the next `}`. */
const hashTag = (key: string) => /\{([^}]*)\}/.exec(key)?.[1];

describe('RedisKeyspace', () => {
  const keys = new RedisKeyspace('streams');

  it('puts every key and the channel of a group under one non-empty hash tag (one Cluster slot)', () => {
    const g = keys.group('chat', 'room-1');
    const tag = hashTag(g.items);
    expect(tag).toBeTruthy();
    expect(hashTag(g.meta)).toBe(tag);
    expect(hashTag(g.versions)).toBe(tag);
    expect(hashTag(g.idempotency)).toBe(tag);
    expect(hashTag(g.idempotencyExpiry)).toBe(tag);
    expect(hashTag(g.channel)).toBe(tag);
    expect(g.items).toBe(`streams:{${tag}}:items`);
  });

  it('gives distinct, brace-free tags to names that only differ in where a ":" or brace sits', () => {
    const pairs: Array<[string, string]> = [
      ['a:b', 'c'],
      ['a', 'b:c'],
      ['a', 'b'],
      ['{a}', 'b'],
      ['a}', '{b'],
      ['ünï 🚀', 'x\n"y"'],
      ['a', 'b"],["c'],
    ];
    const tags = pairs.map(([s, g]) => hashTag(keys.group(s, g).items)!);
    expect(new Set(tags).size).toBe(pairs.length);
    for (const tag of tags) expect(tag).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('names one groups index per stream and a streams index', () => {
    expect(keys.streams).toBe('streams:streams');
    expect(keys.groups('a:b')).not.toBe(keys.groups('a'));
    expect(keys.groups('a')).toMatch(/^streams:groups:[A-Za-z0-9_-]+$/);
  });
});
