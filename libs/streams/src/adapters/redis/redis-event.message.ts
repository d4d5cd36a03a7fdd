import type { ItemChange, StreamFrame } from 'nest-realtime-streams-protocol';
import type { StreamEnvelope } from '../stream-adapter.interface';

/**
 * Decodes `<seq>|<history epoch>|<frame JSON>`, the message the scripts publish and keep in a group's log,
 * followed by `\n<key JSON>` when the write had an idempotency key (a JSON string) and `\n<change JSON>` when
 * it carries its item's change (a JSON object); JSON text never holds a raw newline. The frame text is handed
 * on as `json`, so nobody encodes the frame again.
 */
export function decodeEventMessage(message: string): StreamEnvelope {
  const first = message.indexOf('|');
  const second = message.indexOf('|', first + 1);
  const [json, ...trailers] = message.slice(second + 1).split('\n');
  let envelope: StreamEnvelope = { frame: JSON.parse(json) as StreamFrame, seq: Number(message.slice(0, first)), epoch: message.slice(first + 1, second), json };
  for (const line of trailers) {
    if (line.startsWith('"')) envelope = { ...envelope, idempotencyKey: JSON.parse(line) as string };
    else if (line.startsWith('{')) envelope = { ...envelope, change: JSON.parse(line) as ItemChange };
  }
  return envelope;
}
