import { GroupLog, type LoggedEvent } from './group-log';

const env = (seq: number, timestamp = 1000 + seq): LoggedEvent => ({ seq, timestamp, json: `{"seq":${seq}}` });

function fill(log: GroupLog, n: number, timestamp?: (seq: number) => number): void {
  for (let i = 0; i < n; i++) {
    const seq = ++log.seq;
    log.append(env(seq, timestamp?.(seq)));
  }
}

describe('GroupLog (history window for resume)', () => {
  it('returns exactly the events after a seq, oldest first', () => {
    const log = new GroupLog({ size: 100, maxAgeMs: 60_000 });
    fill(log, 10);
    expect(log.after(6, 2000)!.map((e) => e.seq)).toEqual([7, 8, 9, 10]);
    expect(log.after(10, 2000)).toEqual([]);
    expect(log.after(0, 2000)!.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('answers null past the size window, for a seq from the future, or a malformed one', () => {
    const log = new GroupLog({ size: 5, maxAgeMs: 60_000 });
    fill(log, 200);
    expect(log.after(195, 2000)!.map((e) => e.seq)).toEqual([196, 197, 198, 199, 200]);
    expect(log.after(194, 2000)).toBeNull();
    expect(log.after(201, 2000)).toBeNull();
    expect(log.after(-1, 2000)).toBeNull();
    expect(log.after(1.5, 2000)).toBeNull();
  });

  it('drops events older than maxAgeMs', () => {
    const log = new GroupLog({ size: 100, maxAgeMs: 1000 });
    fill(log, 10, (seq) => seq * 1000);
    // At t = 10,500 only events stamped at 9,500 or later are kept: seq 10 only.
    expect(log.after(9, 10_500)!.map((e) => e.seq)).toEqual([10]);
    expect(log.after(8, 10_500)).toBeNull();
  });

  it('size 0 keeps nothing: only an up-to-date position resumes', () => {
    const log = new GroupLog({ size: 0, maxAgeMs: 1000 });
    fill(log, 3);
    expect(log.after(3, 2000)).toEqual([]);
    expect(log.after(2, 2000)).toBeNull();
  });

  it('expired: true once every kept event is older than maxAgeMs (and at once when nothing was kept)', () => {
    const log = new GroupLog({ size: 100, maxAgeMs: 1000 });
    expect(log.expired(0)).toBe(true);
    fill(log, 3, (seq) => seq * 1000);
    expect(log.expired(3500)).toBe(false);
    expect(log.expired(4001)).toBe(true);
    const none = new GroupLog({ size: 0, maxAgeMs: 1000 });
    fill(none, 3, (seq) => seq * 1000);
    expect(none.expired(3000)).toBe(true);
  });

  it('each log has its own epoch', () => {
    expect(new GroupLog({ size: 1, maxAgeMs: 1 }).epoch).not.toBe(new GroupLog({ size: 1, maxAgeMs: 1 }).epoch);
  });
});
