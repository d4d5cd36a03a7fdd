import { formatPosition, parsePosition, type DeltaFrame } from 'nest-realtime-streams-protocol';
import type { StreamEnvelope } from '../adapters/stream-adapter.interface';
import { groupKey } from '../common/group.key';
import { type WireFrame, wireFrame } from '../wire/wire-frame';

/**
 * Encodes an event as the protocol's bytes, with its resume position and the item it is about (custom events
 * are about none: they are never coalesced). The transport frames them.
 */
export function encodeEnvelope(envelope: StreamEnvelope): WireFrame {
  const { frame } = envelope;
  const json = envelope.json ?? JSON.stringify(frame);
  const text = envelope.epoch ? `${json.slice(0, -1)},"position":${JSON.stringify(formatPosition(envelope.epoch, envelope.seq))}}` : json;
  // The id goes first, length-prefixed: groupKey ends with a free-form group name, so `${groupKey}|${id}` would
  // give group "a|b" + item "c" and group "a" + item "b|c" the same key (one could then replace the other's frame).
  const itemKey = frame.event.type === 'event' || frame.id === null ? null : `${frame.id.length}:${frame.id}|${groupKey(frame.streamName, frame.groupId)}`;
  return wireFrame(Buffer.from(text), itemKey);
}

/**
 * The event as a delta subscription receives it (SPEC §9): a `delta` frame, the write's change with `base` and
 * `version` as sequence numbers of the event's epoch (the subscription's, which the client knows from its
 * position) and nothing else of the envelope; null when the event has no change (a create, a delete, an update
 * of Redis `set`...), when the change's base is of another epoch, or when the delta is not smaller than `full`,
 * the event's full encoding, which then goes instead.
 */
export function encodeDelta(envelope: StreamEnvelope, full: WireFrame): WireFrame | null {
  const { frame, change, epoch, seq } = envelope;
  if (!change || !epoch || frame.event.type !== 'update' || frame.id === null) return null;
  const base = parsePosition(change.base);
  if (!base || base.epoch !== epoch) return null;
  const { streamName, groupId, id } = frame;
  const delta: DeltaFrame = change.ops
    ? { type: 'delta', streamName, groupId, id, base: base.seq, version: seq, ops: change.ops }
    : { type: 'delta', streamName, groupId, id, base: base.seq, version: seq, patch: change.patch };
  const payload = Buffer.from(JSON.stringify(delta));
  return payload.length < full.payload.length ? { payload, framed: undefined, itemKey: full.itemKey, full } : null;
}

/**
 * One event as the hub hands it to every member of its group: the (immutable) envelope and its protocol
 * bytes, encoded by the first member that sends it, so every other socket sends the same bytes (framed once,
 * by the transport, on their first write).
 */
export class HubEvent {
  private encoded: WireFrame | null = null;
  /** The delta variant, prepared once too, by the first delta subscription it goes to (null: it goes whole). */
  private delta: WireFrame | null | undefined = undefined;
  /** The seq of the version the change applies to, read once (null: no change, or a base of another epoch). */
  private base: number | null | undefined = undefined;

  constructor(readonly envelope: StreamEnvelope) {}

  get wire(): WireFrame {
    return (this.encoded ??= encodeEnvelope(this.envelope));
  }

  /** The seq of the version the event's change applies to, when that version is of the event's epoch; else null. */
  get baseSeq(): number | null {
    if (this.base === undefined) {
      const { change, epoch } = this.envelope;
      const base = change && parsePosition(change.base);
      this.base = base && base.epoch === epoch ? base.seq : null;
    }
    return this.base;
  }

  /** What a delta subscription that can prove it holds the change's base gets: the delta, or the full frame. */
  get deltaWire(): WireFrame {
    if (this.delta === undefined) this.delta = encodeDelta(this.envelope, this.wire);
    return this.delta ?? this.wire;
  }
}
