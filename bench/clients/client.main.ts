import { serve } from '../ipc/rpc-child';
import { LatencyHistogram } from '../stats/histogram';
import { now } from '../wire';
import type { ClientApi, ClientKind, ClientReport } from './client-api';
import type { Closer, Connector } from './connectors/connector';
import { connectSocketIo } from './connectors/socketio.connector';
import { connectStreams } from './connectors/streams.connector';
import { connectWs } from './connectors/ws.connector';

/** Handshakes in flight at once: enough to connect thousands in seconds, few enough not to overflow accept backlogs. */
const CONNECT_CONCURRENCY = 64;

const CONNECTORS: Record<ClientKind, Connector> = { ws: connectWs, streams: connectStreams, socketio: connectSocketIo };

/**
 * Entry of one load process: holds its share of the sockets of every server under test (one set per
 * server), counts deliveries and their latency. Only the armed set's server publishes during a row.
 */
const sets = new Map<string, Closer[]>();
let expected = 0;
let delivered = 0;
let lastAt = 0;
let latency = new LatencyHistogram();
let cpuMark = process.cpuUsage();
let onComplete: (() => void) | null = null;

function onStamp(stamp: number): void {
  const at = now();
  latency.record(at - stamp);
  lastAt = at;
  if (++delivered === expected) onComplete?.();
}

serve<ClientApi>({
  connect: async ({ set, kind, urls, count }) => {
    const connect = CONNECTORS[kind];
    const closers: Closer[] = [];
    sets.set(set, closers);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < count) {
        const url = urls[next++ % urls.length];
        closers.push(await connect(url, onStamp));
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONNECT_CONCURRENCY, count) }, worker));
    return { sockets: closers.length };
  },
  arm: ({ set, perSocket }) => {
    expected = perSocket * (sets.get(set)?.length ?? 0);
    delivered = 0;
    lastAt = 0;
    latency = new LatencyHistogram();
    cpuMark = process.cpuUsage();
  },
  wait: ({ idleMs }) =>
    new Promise<ClientReport>((resolve) => {
      let seen = -1;
      const finish = () => {
        clearInterval(watchdog);
        onComplete = null;
        const cpu = process.cpuUsage(cpuMark);
        resolve({ delivered, expected, lastAt, latency: latency.snapshot(), cpuUs: cpu.user + cpu.system });
      };
      // Gives up when a whole idle period passes without a delivery: whatever is missing by then is lost.
      const watchdog = setInterval(() => (delivered === seen ? finish() : (seen = delivered)), idleMs);
      onComplete = finish;
      if (delivered >= expected) finish();
    }),
  disconnect: async () => {
    for (const closers of sets.values()) for (const close of closers) close();
    sets.clear();
  },
});
