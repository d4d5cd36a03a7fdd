import { encodeEnvelope, HubEvent } from './hub.event';

describe('encodeEnvelope item key (what slow-consumer coalescing replaces by)', () => {
  const keyOf = (groupId: string, id: string) =>
    encodeEnvelope({ seq: 1, frame: { type: 'stream', timestamp: 1, streamName: 's', groupId, id, event: { type: 'update', data: 1 } } }).itemKey;

  it('is different for every (group, item) pair, whatever characters and empty names they hold', () => {
    const pairs: Array<[string, string]> = [
      ['a|b', 'c'],
      ['a', 'b|c'],
      ['', '|'],
      ['|', ''],
      ['', ''],
      ['1:', ''],
      ['', '1:'],
    ];
    expect(new Set(pairs.map(([g, i]) => keyOf(g, i))).size).toBe(pairs.length);
  });
});

describe('HubEvent', () => {
  it('encodes its envelope once, on first use, and leaves the envelope as it was', () => {
    const envelope = Object.freeze({ seq: 3, epoch: 'e1', frame: { type: 'stream' as const, timestamp: 1, streamName: 's', groupId: 'g', id: 'i', event: { type: 'update' as const, data: 1 } } });
    const event = new HubEvent(envelope);
    const wire = event.wire;
    expect(event.wire).toBe(wire);
    expect(wire.itemKey).toBe(encodeEnvelope(envelope).itemKey);
    expect(Object.keys(envelope)).toEqual(['seq', 'epoch', 'frame']);
  });
});
