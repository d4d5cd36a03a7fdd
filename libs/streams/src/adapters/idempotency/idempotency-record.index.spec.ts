import { IdempotencyLedger, type LedgerEntry } from './idempotency.ledger';
import { MemoryLedgerStorage } from './idempotency-record.index';

const entry = (group: string, key: string, expiresAt = 1_000): LedgerEntry => ({ stream: 's', group, key, call: { fingerprint: key }, result: '{}', expiresAt });

describe('MemoryLedgerStorage', () => {
  it('keeps recording order across groups while entries leave out of order, and counts what it holds', () => {
    const storage = new MemoryLedgerStorage();
    const added = Array.from({ length: 5_000 }, (_, i) => entry(`g${i % 3}`, `k${i}`));
    for (const e of added) storage.add(e);
    // Out of order (a stale key, a group's oldest), then from the head, past the compaction threshold.
    storage.remove(added[2]);
    storage.remove(storage.oldest({ stream: 's', group: 'g1' })!);
    expect(storage.oldest({ stream: 's', group: 'g1' })).toBe(added[4]);
    for (let i = 0; i < 3_000; i++) storage.remove(storage.oldest()!);
    expect(storage.oldest()).toBe(added[3_002]);
    expect(storage.counts('s', 'g0')).toEqual({ group: 666, total: 1_998 });
    expect(storage.find('s', 'g1', 'k4999')).toBe(added[4_999]);
    expect(storage.find('s', 'g2', 'k2')).toBeUndefined();
  });

  it('forgets a group once its last entry leaves, and a removed entry is not removed twice', () => {
    const storage = new MemoryLedgerStorage();
    const [a, b] = [entry('g', 'a'), entry('h', 'b')];
    storage.add(a);
    storage.add(b);
    storage.remove(a);
    storage.remove(a);
    expect(storage.counts('s', 'g')).toEqual({ group: 0, total: 1 });
    expect(storage.oldest({ stream: 's', group: 'g' })).toBeUndefined();
    expect(storage.oldest()).toBe(b);
    storage.add(entry('g', 'a'));
    expect(storage.counts('s', 'g')).toEqual({ group: 1, total: 2 });
  });

  it('under the ledger: a new key reads the call only to record it, a retry compares fingerprints', () => {
    const ledger = new IdempotencyLedger(new MemoryLedgerStorage(), { ttlMs: 1_000, maxKeysPerGroup: 10, maxKeys: 100 });
    let reads = 0;
    const call = (fingerprint: string) => ({ key: 'k', get fingerprint() { reads++; return fingerprint; } });
    expect(ledger.run('s', 'g', call('f1'), () => 1, (n) => String(n), 0)).toEqual({ done: 1 });
    expect(reads).toBe(0);
    expect(ledger.run('s', 'g', call('f1'), () => 2, (n) => String(n), 1)).toEqual({ replay: '1' });
    expect(reads).toBe(2);
    expect(() => ledger.run('s', 'g', call('f2'), () => 3, (n) => String(n), 2)).toThrow('idempotency');
  });
});
