import { GroupClock, MAX_CLOCK_LEAD_MS } from './group-clock';

describe('GroupClock (per-group timestamps)', () => {
  it('follows the wall clock while it moves and strictly increases within one millisecond', () => {
    const clock = new GroupClock();
    expect([clock.next(5000), clock.next(5000), clock.next(5000), clock.next(5010)]).toEqual([5000, 5001, 5002, 5010]);
  });

  it('never goes back when the wall clock does, nor below the floor it starts from', () => {
    const clock = new GroupClock(9000);
    expect(clock.next(5000)).toBe(9001);
    expect(clock.next(4000)).toBe(9002);
  });

  it('asks to wait only once the next stamp would run more than MAX_CLOCK_LEAD_MS ahead', () => {
    const clock = new GroupClock();
    const now = 1_000_000;
    // Bounded: a clock that never asks to wait (e.g. one repeating a timestamp) fails here instead of hanging.
    let stamped = 0;
    while (clock.waitMs(now) === 0 && stamped <= MAX_CLOCK_LEAD_MS + 1) {
      clock.next(now);
      stamped++;
    }
    // Stamps now, now+1, …, now+MAX: the lead never exceeds the cap.
    expect(stamped).toBe(MAX_CLOCK_LEAD_MS + 1);
    expect(clock.last - now).toBe(MAX_CLOCK_LEAD_MS);
    expect(clock.waitMs(now)).toBe(1);
    expect(clock.waitMs(now + 1)).toBe(0);
  });

  it('a wall clock set back (or behind a restored high-water mark) never makes it wait', () => {
    const restored = new GroupClock(9000);
    expect(restored.waitMs(5000)).toBe(0);
    expect(restored.next(5000)).toBe(9001);
    const stepped = new GroupClock();
    stepped.next(70_000);
    expect(stepped.waitMs(10_000)).toBe(0);
    expect(stepped.next(10_000)).toBe(70_001);
  });

  it('reads between two writes share one tick, after every write before them and before every write after', () => {
    const clock = new GroupClock();
    const write = clock.next(5000);
    const reads = [clock.read(5000), clock.read(5000), clock.read(7000)];
    expect(reads).toEqual([5001, 5001, 5001]);
    expect(clock.next(5000)).toBe(5002);
    expect(clock.read(5000)).toBe(5003);
    expect(write).toBe(5000);
  });

  it('at the cap a read that shares the reserved tick never waits; reads alone never move the clock', () => {
    const clock = new GroupClock();
    const now = 1_000_000;
    for (let i = 0; i < MAX_CLOCK_LEAD_MS; i++) clock.next(now);
    expect(clock.read(now)).toBe(now + MAX_CLOCK_LEAD_MS);
    expect(clock.waitMs(now)).toBe(1);
    for (let i = 0; i < 100; i++) {
      expect(clock.waitMs(now, true)).toBe(0);
      expect(clock.read(now)).toBe(now + MAX_CLOCK_LEAD_MS);
    }
    expect(clock.last - now).toBe(MAX_CLOCK_LEAD_MS);
  });

  it('is settled (safe to forget) only once its last stamp is 2 ms in the past', () => {
    const clock = new GroupClock();
    clock.next(100);
    clock.next(100);
    expect(clock.settled(101)).toBe(false);
    expect(clock.settled(102)).toBe(false);
    expect(clock.settled(103)).toBe(true);
  });
});
