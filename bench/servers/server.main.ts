import { serve } from '../ipc/rpc-child';
import type { BenchServer } from './bench-server';
import { publishMessages } from './publisher';
import type { ServerApi, ServerConfig } from './server-api';
import { SocketIoServer } from './socketio.server';
import { StreamsBenchServer } from './streams.server';
import { PlainWsServer } from './ws.server';
import { socketWrites } from './socket-writes';
import { runWrites } from './write-load';

/** Entry of one server process: argv[2] is its ServerConfig as JSON; the harness drives it over IPC. */
const config = JSON.parse(process.argv[2] ?? '') as ServerConfig;

function build(config: ServerConfig): BenchServer {
  switch (config.kind) {
    case 'ws':
      return new PlainWsServer();
    case 'streams':
      return new StreamsBenchServer(config.adapter, config.writeDelayMs);
    case 'socketio':
      return new SocketIoServer(config.redis);
  }
}

const server = build(config);
let cpuMark = process.cpuUsage();
let writesMark = socketWrites();

serve<ServerApi>({
  start: async () => ({ port: await server.listen() }),
  mark: () => {
    cpuMark = process.cpuUsage();
    writesMark = socketWrites();
  },
  measure: () => {
    const used = process.cpuUsage(cpuMark);
    return { cpuUs: used.user + used.system, writes: socketWrites() - writesMark };
  },
  memory: () => {
    // Twice: the first pass may only finalize what the second frees.
    globalThis.gc?.();
    globalThis.gc?.();
    const usage = process.memoryUsage();
    return { rss: usage.rss, heapAndExternal: usage.heapUsed + usage.external };
  },
  publish: (args) => publishMessages(args, (payload) => server.publish(args.op, payload)),
  write: (args) => {
    const write = server.write?.bind(server);
    if (!write) throw new Error(`${config.kind} has no write path`);
    return runWrites(args, (group, item, payload) => write(args.op, group, item, payload));
  },
});
