import { MAX_CLOCK_LEAD_MS } from './group-clock';
import { LocalEventLog } from './local-event-log';

const T0 = 1_700_000_000_000;
const message = (groupId: string) => ({ streamName: 's', groupId, id: null, event: { type: 'event' as const, event: { type: 'e', data: null } } });

describe('LocalEventLog (per-group clocks and state of the in-process adapters)', () => {
  let items: Set<string>;
  let log: LocalEventLog;

  beforeEach(() => {
    // Fake timers also fix Date.now(), so the wall clock only moves when the test says so.
    jest.useFakeTimers({ now: T0 });
    items = new Set();
    log = new LocalEventLog({ history: { size: 10, maxAgeMs: 1000 }, hasItems: (_, group) => items.has(group) });
  });

  afterEach(() => {
    log.clear();
    jest.useRealTimers();
  });

  it('past the lead cap, work on that group waits and runs in call order; other groups never wait', async () => {
    const stamps: number[] = [];
    for (let i = 0; i <= MAX_CLOCK_LEAD_MS; i++) expect(log.stamp('s', 'hot', (ts) => stamps.push(ts))).not.toBeInstanceOf(Promise);
    const waiting = [1, 2, 3].map((n) => log.stamp('s', 'hot', (ts) => [n, ts]));
    expect(waiting[0]).toBeInstanceOf(Promise);
    expect(log.stamp('s', 'cold', (ts) => ts)).toBe(T0);

    await jest.advanceTimersByTimeAsync(3);
    await expect(Promise.all(waiting)).resolves.toEqual([
      [1, T0 + MAX_CLOCK_LEAD_MS + 1],
      [2, T0 + MAX_CLOCK_LEAD_MS + 2],
      [3, T0 + MAX_CLOCK_LEAD_MS + 3],
    ]);
    expect(stamps).toEqual(Array.from({ length: MAX_CLOCK_LEAD_MS + 1 }, (_, i) => T0 + i));
  });

  it('reads share one tick between writes: any number of them leave the writes undelayed, and one reserved at the cap runs ahead of waiting writes', async () => {
    const read = () => log.stamp('s', 'g', (ts) => ts, true);
    const write = () => log.stamp('s', 'g', (ts) => ts);
    expect([write(), read(), read(), read(), write(), read()]).toEqual([T0, T0 + 1, T0 + 1, T0 + 1, T0 + 2, T0 + 3]);
    // 10,000 reads between two writes cost the writes one tick, not 10,000.
    for (let i = 0; i < 10_000; i++) read();
    expect(write()).toBe(T0 + 4);

    for (let i = 0; i < MAX_CLOCK_LEAD_MS - 5; i++) write();
    expect(read()).toBe(T0 + MAX_CLOCK_LEAD_MS);
    const waiting = write();
    expect(waiting).toBeInstanceOf(Promise);
    // The reserved tick is before every waiting write: a read shares it at once.
    expect(read()).toBe(T0 + MAX_CLOCK_LEAD_MS);
    await jest.advanceTimersByTimeAsync(1);
    await expect(waiting).resolves.toBe(T0 + MAX_CLOCK_LEAD_MS + 1);
  });

  it('frees a group once it has no items, no watch, no unexpired event and a clock behind the wall clock', async () => {
    log.stamp('s', 'idle', (ts) => log.emit(message('idle'), ts));
    log.stamp('s', 'stored', (ts) => log.emit(message('stored'), ts));
    items.add('stored');
    void log.watch('s', 'watched');
    log.stamp('s', 'watched', (ts) => log.emit(message('watched'), ts));
    let commit!: () => void;
    log.stamp('s', 'in-flight', () => new Promise<void>((resolve) => (commit = resolve)));
    expect(log.held()).toEqual(['idle', 'in-flight', 'stored', 'watched']);

    await jest.advanceTimersByTimeAsync(900);
    expect(log.held()).toEqual(['idle', 'in-flight', 'stored', 'watched']);
    await jest.advanceTimersByTimeAsync(700);
    expect(log.held()).toEqual(['in-flight', 'stored', 'watched']);
    commit();
    await jest.advanceTimersByTimeAsync(600);
    expect(log.held()).toEqual(['stored', 'watched']);
  });

  it('a position read of a group without state creates none and lies between its old and new timestamps', async () => {
    const old = (await log.stamp('s', 'g', (ts) => log.emit(message('g'), ts))).frame.timestamp;
    await jest.advanceTimersByTimeAsync(2000);
    expect(log.has('s', 'g')).toBe(false);
    const read = log.idlePosition();
    expect(log.has('s', 'g')).toBe(false);
    const next = await log.stamp('s', 'g', (ts) => log.emit(message('g'), ts));
    expect(read.timestamp).toBeGreaterThan(old);
    expect(next.frame.timestamp).toBeGreaterThan(read.timestamp);
    expect(next.seq).toBe(1);
  });

  it('keeps each event once, as its JSON, and replays parsed copies', async () => {
    const sent = await log.stamp('s', 'g', (ts) => log.emit(message('g'), ts));
    const [replayed] = log.after('s', 'g', sent.epoch!, 0, T0)!;
    expect(replayed).toEqual({ frame: sent.frame, seq: 1, epoch: sent.epoch, json: JSON.stringify(sent.frame) });
    expect(replayed.frame).not.toBe(sent.frame);
  });

  describe('reserved positions (the version a file write stores before its commit is released)', () => {
    const emitted = (reservation?: { seq: number; version: string }) => log.emit(message('g'), T0, reservation);

    it('each emit takes the position reserved for it, so a stored version is its event position', () => {
      const a = log.reserve('s', 'g');
      const b = log.reserve('s', 'g');
      expect([a.seq, b.seq]).toEqual([1, 2]);
      expect(a.version).toBe(`${log.position('s', 'g').epoch}:1`);
      expect([emitted(a).seq, emitted(b).seq]).toEqual([1, 2]);
      expect(log.after('s', 'g', log.position('s', 'g').epoch, 0, T0)!.map((e) => e.seq)).toEqual([1, 2]);
    });

    it('a cancelled reservation with none pending after it spends no position', () => {
      log.reserve('s', 'g');
      log.cancel('s', 'g');
      const next = log.reserve('s', 'g');
      expect(next.seq).toBe(1);
      expect(emitted(next).seq).toBe(1);
    });

    it('a cancelled reservation with a later one pending is skipped, never reused; a resume from before the gap re-syncs', () => {
      const before = emitted(log.reserve('s', 'g'));
      log.reserve('s', 'g');
      const later = log.reserve('s', 'g');
      log.cancel('s', 'g');
      expect(emitted(later).seq).toBe(later.seq);
      expect(log.reserve('s', 'g').seq).toBe(later.seq + 1);
      expect(log.after('s', 'g', before.epoch!, before.seq, T0)).toBeNull();
      expect(log.after('s', 'g', before.epoch!, later.seq, T0)).toEqual([]);
    });
  });
});
