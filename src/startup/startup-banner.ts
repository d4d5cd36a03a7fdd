import type { StreamsAdapterOptions } from 'nest-realtime-streams';

export interface BannerInfo {
  httpPort: number;
  streamsPort: number;
  /** `/`, or the path on the HTTP port when the streams share it. */
  streamsPath: string;
  adapter: StreamsAdapterOptions;
}

function describeAdapter(adapter: StreamsAdapterOptions): string {
  switch (adapter.type) {
    case 'memory':
      return 'memory (nothing survives a restart)';
    case 'file':
      return `file (${adapter.path})`;
    case 'redis':
      // Only the host: the URL may carry a password.
      return `redis (${new URL(adapter.url ?? 'redis://127.0.0.1:6379').host})`;
  }
}

/** What `npm start` prints once everything listens: where to go, and what stores the data. */
export function startupBanner({ httpPort, streamsPort, streamsPath, adapter }: BannerInfo): string {
  const http = `http://localhost:${httpPort}`;
  const rows: [string, string][] = [
    ['Dashboard', `${http}/`],
    ['Chat API', `${http}/chat/lobby/messages`],
    ['Streams', `ws://localhost:${streamsPort}${streamsPath}`],
    ['Ops', `${http}/metrics  ${http}/health`],
    ['Storage', describeAdapter(adapter)],
  ];
  return ['', '  nest-realtime-streams demo is running', '', ...rows.map(([label, value]) => `  ${label.padEnd(10)} ${value}`), '', '  Press Ctrl+C to stop.', ''].join('\n');
}
