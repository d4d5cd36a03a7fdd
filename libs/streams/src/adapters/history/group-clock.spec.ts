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
    let stamped = 0;
    while (clock.waitMs(now) === 0) {
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

  it('is settled (safe to forget) only once its last stamp is 2 ms in the past', () => {
    const clock = new GroupClock();
    clock.next(100);
    clock.next(100);
    expect(clock.settled(101)).toBe(false);
    expect(clock.settled(102)).toBe(false);
    expect(clock.settled(103)).toBe(true);
  });
});
