import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import type { BenchPayload } from '../wire';
import type { BenchServer } from './bench-server';

/**
 * The naive Node ceiling: a bare `ws` server that puts every socket in one set and broadcasts one string
 * to all of them. No routing, no state, no framing beyond the payload itself.
 */
export class PlainWsServer implements BenchServer {
  private readonly sockets = new Set<WebSocket>();

  async listen(): Promise<number> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, clientTracking: false });
    wss.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => wss.once('listening', resolve).once('error', reject));
    return (wss.address() as AddressInfo).port;
  }

  publish(_op: string, payload: BenchPayload): void {
    const text = JSON.stringify(payload);
    for (const socket of this.sockets) socket.send(text);
  }
}
