import type { StreamFrame } from '../../interfaces/stream-frame.interface';
import type { StreamEnvelope } from '../stream-adapter.interface';

/**
 * Decodes `<seq>|<history epoch>|<frame JSON>`, the message the scripts publish and keep in a group's log.
 * The frame text is handed on as `json`, so nobody encodes the frame again.
 */
export function decodeEventMessage(message: string): StreamEnvelope {
  const first = message.indexOf('|');
  const second = message.indexOf('|', first + 1);
  const json = message.slice(second + 1);
  return { frame: JSON.parse(json) as StreamFrame, seq: Number(message.slice(0, first)), epoch: message.slice(first + 1, second), json };
}
