import type { StreamFrame } from 'nest-realtime-streams-protocol';
import type { StreamEnvelope } from '../stream-adapter.interface';

/**
 * Decodes `<seq>|<history epoch>|<frame JSON>`, the message the scripts publish and keep in a group's log,
 * followed by `\n<key JSON>` when the write had an idempotency key (JSON text never holds a raw newline).
 * The frame text is handed on as `json`, so nobody encodes the frame again.
 */
export function decodeEventMessage(message: string): StreamEnvelope {
  const first = message.indexOf('|');
  const second = message.indexOf('|', first + 1);
  const newline = message.indexOf('\n', second + 1);
  const json = newline < 0 ? message.slice(second + 1) : message.slice(second + 1, newline);
  const envelope = { frame: JSON.parse(json) as StreamFrame, seq: Number(message.slice(0, first)), epoch: message.slice(first + 1, second), json };
  return newline < 0 ? envelope : { ...envelope, idempotencyKey: JSON.parse(message.slice(newline + 1)) as string };
}
