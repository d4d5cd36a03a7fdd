import { clusterSlot } from './redis-cluster.slot';

describe('clusterSlot', () => {
  it('matches the slots Redis documents (CLUSTER KEYSLOT)', () => {
    expect(clusterSlot('foo')).toBe(12182);
    expect(clusterSlot('123456789')).toBe(12739);
    expect(clusterSlot('')).toBe(0);
  });

  it('hashes only a non-empty {tag}: every name of one group shares its slot', () => {
    expect(clusterSlot('a:{user1000}:items')).toBe(clusterSlot('user1000'));
    expect(clusterSlot('b:{user1000}')).toBe(clusterSlot('user1000'));
    expect(clusterSlot('foo{}{bar}')).not.toBe(clusterSlot('bar'));
  });
});
