import WebSocket from 'ws';
import { readStamp } from '../stamp';
import type { Connector } from './connector';
import { WS_CLIENT_OPTIONS } from './ws-options';

/** Plain ws: the server adds a socket to its broadcast set before the handshake completes, so `open` means ready. */
export const connectWs: Connector = (url, onStamp) =>
  new Promise((resolve, reject) => {
    const socket = new WebSocket(url, WS_CLIENT_OPTIONS);
    socket.on('error', reject);
    socket.once('open', () => resolve(() => socket.terminate()));
    socket.on('message', (data: Buffer) => {
      const stamp = readStamp(data);
      if (stamp >= 0) onStamp(stamp);
    });
  });
