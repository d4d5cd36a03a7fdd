import { connect, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of one port that can go offline: cut every connection and refuse new ones
 * until `online()`; `retarget` sends new connections to another port (an instance switch, a restarted server).
 */
export interface OfflineProxy {
  port: number;
  offline(): void;
  online(): void;
  /** New connections go to `port`; the open ones are cut. */
  retarget(port: number): void;
  close(): Promise<void>;
}

export async function startOfflineProxy(initialTarget: number): Promise<OfflineProxy> {
  let target = initialTarget;
  let up = true;
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => sockets.delete(socket));
  };
  const server = createServer((client) => {
    track(client);
    if (!up) return void client.destroy();
    const upstream = connect(target, '127.0.0.1');
    track(upstream);
    upstream.once('close', () => client.destroy());
    client.once('close', () => upstream.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const cut = () => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    port: (server.address() as AddressInfo).port,
    offline: () => {
      up = false;
      cut();
    },
    online: () => (up = true),
    retarget: (port) => {
      target = port;
      cut();
    },
    close: async () => {
      cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
