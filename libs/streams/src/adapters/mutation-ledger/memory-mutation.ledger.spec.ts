import { MemoryMutationLedger } from './memory-mutation.ledger';

describe('MemoryMutationLedger', () => {
  let now = 1_000;
  const ledger = (limits = {}) => new MemoryMutationLedger({ ledgerSize: 100, ledgerTtlMs: 10_000, leaseMs: 500, ...limits }, () => now);

  beforeEach(() => (now = 1_000));

  it('a new client starts at any id; then only last + 1 applies, older ids are answered, later ones are a gap', async () => {
    const l = ledger();
    await expect(l.begin('c', 7)).resolves.toEqual({ kind: 'apply' });
    await l.commit('c', 7, { status: 'ok', result: 1 });
    await expect(l.begin('c', 7)).resolves.toEqual({ kind: 'answered', answer: { status: 'ok', result: 1, duplicate: true } });
    await expect(l.begin('c', 3)).resolves.toEqual({ kind: 'answered', answer: { status: 'ok', duplicate: true } });
    await expect(l.begin('c', 9)).resolves.toEqual({ kind: 'gap', expected: 8 });
    await expect(l.begin('c', 8)).resolves.toEqual({ kind: 'apply' });
  });

  it('a claim makes a second caller wait until it is committed or its lease ends', async () => {
    const l = ledger();
    await l.begin('c', 1);
    await expect(l.begin('c', 1)).resolves.toEqual({ kind: 'busy' });
    now += 501;
    await expect(l.begin('c', 1)).resolves.toEqual({ kind: 'apply' });
    await l.commit('c', 1, { status: 'rejected', error: { code: 'forbidden', message: 'no' } });
    await expect(l.begin('c', 1)).resolves.toMatchObject({ kind: 'answered', answer: { status: 'rejected' } });
  });

  it('a late commit never moves last back', async () => {
    const l = ledger();
    await l.begin('c', 1);
    await l.commit('c', 1, { status: 'ok' });
    await l.begin('c', 2);
    await l.commit('c', 2, { status: 'ok', result: 2 });
    await l.commit('c', 1, { status: 'ok', result: 'late' });
    await expect(l.begin('c', 3)).resolves.toEqual({ kind: 'apply' });
  });

  it('forgets a client after its ttl, and the least recently seen past ledgerSize', async () => {
    const l = ledger({ ledgerSize: 2 });
    for (const c of ['a', 'b', 'c']) {
      await l.begin(c, 1);
      await l.commit(c, 1, { status: 'ok' });
    }
    // `a` was forgotten (size 2): its next id starts a fresh sequence.
    await expect(l.begin('a', 5)).resolves.toEqual({ kind: 'apply' });
    now += 10_001;
    await expect(l.begin('c', 9)).resolves.toEqual({ kind: 'apply' });
  });

  it('keeps the refusals among the last 32 ids: an older re-send of a refused mutation gets its refusal', async () => {
    const l = ledger();
    const refusal = { status: 'rejected' as const, error: { code: 'forbidden' as const, message: 'no' } };
    for (let id = 1; id <= 40; id++) {
      await l.begin('c', id);
      await l.commit('c', id, id % 2 === 0 ? refusal : { status: 'ok' });
    }
    await expect(l.begin('c', 38)).resolves.toEqual({ kind: 'answered', answer: { ...refusal, duplicate: true } });
    await expect(l.begin('c', 37)).resolves.toEqual({ kind: 'answered', answer: { status: 'ok', duplicate: true } });
    // Past the window (40 - 32): forgotten, answered as applied.
    await expect(l.begin('c', 8)).resolves.toEqual({ kind: 'answered', answer: { status: 'ok', duplicate: true } });
    await expect(l.begin('c', 10)).resolves.toEqual({ kind: 'answered', answer: { ...refusal, duplicate: true } });
  });
});
