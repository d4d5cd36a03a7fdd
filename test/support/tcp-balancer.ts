import { connect, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpBalancer {
  port: number;
  close(): Promise<void>;
}

/**
 * A round-robin TCP balancer on 127.0.0.1 with no stickiness, as a load balancer in front of several instances:
 * each new connection goes to the next backend port that accepts it (a stopped one is skipped).
 */
export async function startTcpBalancer(backends: number[]): Promise<TcpBalancer> {
  let next = 0;
  const sockets = new Set<Socket>();
  const route = (client: Socket, tries: number) => {
    if (tries === backends.length) return client.destroy();
    const upstream = connect(backends[next++ % backends.length], '127.0.0.1');
    upstream.once('error', () => {
      if (upstream.bytesRead === 0 && !client.destroyed) route(client, tries + 1);
      else client.destroy();
    });
    upstream.once('connect', () => {
      sockets.add(upstream);
      upstream.once('close', () => {
        sockets.delete(upstream);
        client.destroy();
      });
      client.pipe(upstream).pipe(client);
    });
  };
  const server = createServer((client) => {
    sockets.add(client);
    client.on('error', () => undefined);
    client.once('close', () => sockets.delete(client));
    route(client, 0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
