import { LAST_VALUE_MAX_BYTES, LAST_VALUES_MAX_BYTES, RedisLastValues } from './redis-last-values';

describe('RedisLastValues (the values a Redis set patches from)', () => {
  it('keeps the last write per item, forgets deleted items, and never mixes up group and item names', () => {
    const cache = new RedisLastValues();
    cache.remember('s', 'a|b', 'c', 'e:1', '{"n":1}');
    cache.remember('s', 'a', 'b|c', 'e:2', '{"n":2}');
    cache.remember('s', 'a|b', 'c', 'e:3', '{"n":3}');
    expect(cache.get('s', 'a|b', 'c')).toEqual({ version: 'e:3', json: '{"n":3}' });
    expect(cache.get('s', 'a', 'b|c')).toEqual({ version: 'e:2', json: '{"n":2}' });
    cache.drop('s', 'a', 'b|c');
    expect(cache.get('s', 'a', 'b|c')).toBeUndefined();
  });

  it('holds at most its byte bound, least recently written out first, and no value over the per-value bound', () => {
    const cache = new RedisLastValues();
    const json = `"${'x'.repeat(LAST_VALUE_MAX_BYTES - 2)}"`;
    const fits = Math.floor(LAST_VALUES_MAX_BYTES / json.length);
    for (let i = 0; i <= fits; i++) cache.remember('s', 'g', `i${i}`, `e:${i}`, json);
    expect(cache.get('s', 'g', 'i0')).toBeUndefined();
    expect(cache.get('s', 'g', `i${fits}`)).toBeDefined();
    cache.remember('s', 'g', 'big', 'e:9', `"${'x'.repeat(LAST_VALUE_MAX_BYTES)}"`);
    expect(cache.get('s', 'g', 'big')).toBeUndefined();
  });
});
