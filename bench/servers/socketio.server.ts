import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdapter } from '@socket.io/redis-adapter';
import Redis from 'ioredis';
import { Server } from 'socket.io';
import { BENCH_EVENT, BENCH_GROUP, type BenchPayload } from '../wire';
import type { BenchServer } from './bench-server';

/**
 * Socket.io rooms, optionally with `@socket.io/redis-adapter` (then every process sharing `key` broadcasts
 * the room's messages to its own sockets). WebSocket transport only: no long-polling handshake to pay for.
 */
export class SocketIoServer implements BenchServer {
  private readonly io: Server;

  constructor(private readonly redis: { url: string; key: string } | null) {
    this.io = new Server({ transports: ['websocket'], serveClient: false });
  }

  async listen(): Promise<number> {
    if (this.redis) {
      const pub = new Redis(this.redis.url);
      const sub = pub.duplicate();
      this.io.adapter(createAdapter(pub, sub, { key: this.redis.key }));
    }
    this.io.on('connection', (socket) => {
      socket.on('join', (room: string, ack: () => void) => {
        void socket.join(room);
        ack();
      });
    });
    const http = createServer();
    this.io.attach(http);
    await new Promise<void>((resolve, reject) => http.once('error', reject).listen(0, '127.0.0.1', resolve));
    return (http.address() as AddressInfo).port;
  }

  publish(_op: string, payload: BenchPayload): void {
    this.io.to(BENCH_GROUP).emit(BENCH_EVENT, payload);
  }
}
