import type { DeltaFrame, StreamEvent } from 'nest-realtime-streams-protocol';
import { streamFrame } from '../testing/fake-websocket';
import { StreamCursor } from './stream.cursor';

const frame = (timestamp: number, type: 'sync' | 'create' | 'unauthorized', position?: string) => {
  const event: StreamEvent = type === 'unauthorized' ? { type } : { type, data: null };
  return streamFrame({ streamName: 's', groupId: 'g', timestamp, event, ...(position === undefined ? {} : { position }) });
};

describe('StreamCursor: resume position and stale frames of one subscription', () => {
  let cursor: StreamCursor;
  beforeEach(() => {
    cursor = new StreamCursor();
  });

  it('a first join asks for a fresh sync; the sync sets the position, later frames move it on; a rejoin resumes from it', () => {
    expect(cursor.join()).toBeNull();
    expect(cursor.admit(frame(10, 'sync', 'e:1'))).toBe(true);
    expect(cursor.position).toBe('e:1');
    expect(cursor.admit(frame(11, 'create', 'e:2'))).toBe(true);
    expect(cursor.join()).toBe('e:2');
  });

  it('frames before the first sync give no position: the mirror has no base to resume from', () => {
    cursor.join();
    expect(cursor.admit(frame(10, 'create', 'e:5'))).toBe(true);
    expect(cursor.position).toBeNull();
    cursor.admit(frame(11, 'sync', 'e:5'));
    expect(cursor.position).toBe('e:5');
  });

  it('a resume keeps stale-frame tracking (replays are newer), but the sync answering it is heard whatever its clock', () => {
    cursor.join();
    cursor.admit(frame(100, 'sync', 'e:1'));
    cursor.join();
    expect(cursor.admit(frame(100, 'create', 'e:1'))).toBe(false);
    expect(cursor.admit(frame(101, 'create', 'e:2'))).toBe(true);
    cursor.join();
    expect(cursor.admit(frame(5, 'sync', 'f:1'))).toBe(true);
    expect(cursor.position).toBe('f:1');
    // Only the join's own answer gets through: an older sync after it is stale again.
    expect(cursor.admit(frame(4, 'sync', 'f:0'))).toBe(false);
  });

  it('a fresh join restarts stale-frame tracking, so a new server with an older clock is heard', () => {
    cursor.join();
    cursor.admit(frame(100, 'sync'));
    expect(cursor.join()).toBeNull();
    expect(cursor.admit(frame(3, 'create'))).toBe(true);
  });

  it('resumed sets the position; unauthorized and a sync without one clear it', () => {
    cursor.join();
    cursor.resumed('e:9');
    expect(cursor.position).toBe('e:9');
    cursor.join();
    cursor.admit(frame(1, 'unauthorized'));
    expect(cursor.position).toBeNull();
    cursor.admit(frame(2, 'sync', 'e:10'));
    cursor.admit(frame(3, 'sync'));
    expect(cursor.position).toBeNull();
  });

  it('a re-sync the server sends on its own (continuityLost, SPEC §7.9) is heard whatever its clock, and moves the position', () => {
    cursor.join();
    cursor.admit(frame(100, 'sync', 'e:1'));
    cursor.admit(frame(101, 'create', 'e:2'));
    const resync = streamFrame({ streamName: 's', groupId: 'g', timestamp: 50, event: { type: 'sync', data: [], continuityLost: true }, position: 'f:1' });
    expect(cursor.admit(resync)).toBe(true);
    expect(cursor.position).toBe('f:1');
    expect(cursor.admit(frame(51, 'create', 'f:2'))).toBe(true);
  });

  it('a frame not past the position of the same epoch is stale whatever its timestamp; another epoch’s position does not compare', () => {
    cursor.join();
    cursor.admit(frame(10, 'sync', 'e:5'));
    expect(cursor.admit(frame(11, 'create', 'e:5'))).toBe(false);
    expect(cursor.admit(frame(12, 'create', 'f:2'))).toBe(true);
    expect(cursor.admit(frame(13, 'create', 'f:3'))).toBe(true);
  });

  it('places delta frames (SPEC §9) in the position’s epoch, moves the position on, and calls one not past it stale', () => {
    const delta = (base: number, version: number): DeltaFrame => ({ type: 'delta', streamName: 's', groupId: 'g', id: 'i', base, version, ops: [] });
    cursor.join();
    expect(cursor.admitDelta(delta(1, 2))).toBe('unplaced');
    cursor.admit(frame(10, 'sync', 'ep:ch:5'));
    expect(cursor.admitDelta(delta(3, 7))).toEqual({ base: 'ep:ch:3', version: 'ep:ch:7' });
    expect(cursor.position).toBe('ep:ch:7');
    expect(cursor.admitDelta(delta(3, 7))).toBe('stale');
    expect(cursor.admit(frame(11, 'create', 'ep:ch:6'))).toBe(false);
    expect(cursor.join()).toBe('ep:ch:7');
  });
});
