import type { StreamEnvelope } from '../adapters/stream-adapter.interface';
import { encodeDelta, encodeEnvelope, HubEvent } from './hub.event';

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

describe('the delta variant (SPEC §9)', () => {
  const envelope = (data: unknown, change?: StreamEnvelope['change']): StreamEnvelope => ({
    seq: 8,
    epoch: 'e1',
    frame: { type: 'stream', timestamp: 5, streamName: 's', groupId: 'g', id: 'i', event: { type: 'update', data } },
    ...(change ? { change } : {}),
  });
  const ops = [{ type: 'increment' as const, path: 'n', by: 1 }];

  it('is a delta frame: the item, the change, base and version as seqs of the event’s epoch; same item key; points at the full frame', () => {
    const e = envelope({ n: 2, pad: 'p'.repeat(200) }, { base: 'e1:7', ops });
    const full = encodeEnvelope(e);
    const delta = encodeDelta(e, full)!;
    expect(delta.payload.toString()).toBe(JSON.stringify({ type: 'delta', streamName: 's', groupId: 'g', id: 'i', base: 7, version: 8, ops }));
    expect(delta.itemKey).toBe(full.itemKey);
    expect(delta.full).toBe(full);
    const patch = [{ op: 'replace' as const, path: '/n', value: 2 }];
    const patched = envelope({ n: 2, pad: 'p'.repeat(200) }, { base: 'e1:7', patch });
    expect(JSON.parse(encodeDelta(patched, encodeEnvelope(patched))!.payload.toString())).toEqual({ type: 'delta', streamName: 's', groupId: 'g', id: 'i', base: 7, version: 8, patch });
  });

  it('is none for a change whose base is of another epoch (the frame could not say which)', () => {
    const e = envelope({ n: 2, pad: 'p'.repeat(200) }, { base: 'e0:7', ops });
    expect(encodeDelta(e, encodeEnvelope(e))).toBeNull();
  });

  it('is the full frame when the delta would not be smaller, or there is no change; encoded once per event', () => {
    const small = envelope({ n: 2 }, { base: 'e1:7', ops: [...ops, ...ops, ...ops] });
    expect(encodeDelta(small, encodeEnvelope(small))).toBeNull();
    expect(encodeDelta(envelope({ n: 2 }), encodeEnvelope(envelope({ n: 2 })))).toBeNull();
    const event = new HubEvent(envelope({ n: 2, pad: 'p'.repeat(200) }, { base: 'e1:7', ops }));
    expect(event.deltaWire).toBe(event.deltaWire);
    expect(event.deltaWire).not.toBe(event.wire);
    const plain = new HubEvent(small);
    expect(plain.deltaWire).toBe(plain.wire);
  });
});
