import type { StreamEnvelope } from '../adapters/stream-adapter.interface';
import { groupKey } from '../adapters/group.key';
import { type WireFrame, wireFrame } from '../wire/wire-frame';
import { formatPosition } from '../protocol/stream-position';

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
 * One event as the hub hands it to every member of its group: the (immutable) envelope and its protocol
 * bytes, encoded by the first member that sends it, so every other socket sends the same bytes (framed once,
 * by the transport, on their first write).
 */
export class HubEvent {
  private encoded: WireFrame | null = null;

  constructor(readonly envelope: StreamEnvelope) {}

  get wire(): WireFrame {
    return (this.encoded ??= encodeEnvelope(this.envelope));
  }
}
