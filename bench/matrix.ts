import type { CapacityRow, FanoutRow, RateMode, Row, ServerName, WriteRow } from './model';
import type { PublishOp, WriteOp } from './servers/server-api';
import { SERVERS } from './orchestrate/server-defs';

export type BenchMode = 'full' | 'quick' | 'smoke';

/**
 * Row sizes. At max rate a row publishes enough messages for MAX_DELIVERIES[size] deliveries in all
 * (1-4 s at the 30-100k deliveries/s this class of machine does, whatever the client count); paced rows
 * send PACED_DELIVERIES_PER_S deliveries/s (rate = that / clients) for PACED_SECONDS, a fraction of what
 * the machine saturates at, so their latency is transit plus the broadcast loop, not queueing.
 * MIN/MAX_MESSAGES bound every row whatever the client count.
 */
const MAX_DELIVERIES: Record<number, number> = { 256: 100_000, 4096: 40_000 };
const PACED_DELIVERIES_PER_S = 10_000;
const PACED_SECONDS = 2;
/** Bursty rows: a dashboard updating BURST items every 1000 / BURSTS_PER_S ms, for ~BURST_DELIVERIES deliveries (at least 2 bursts). */
const BURST = 50;
const BURSTS_PER_S = 10;
const BURST_DELIVERIES = 250_000;
const MIN_MESSAGES = 4;
const MAX_MESSAGES = 4_000;

const ALL_SERVERS = Object.keys(SERVERS) as ServerName[];
/** The `set` rows of each adapter and concurrency, back to back: the conditioned and keyed ones are reported as ratios to the plain one. */
const SET_OPS: WriteOp[] = ['set', 'set-if-version', 'set-keyed'];

interface Matrix {
  clients: number[];
  sizes: number[];
  rates: RateMode[];
  servers: ServerName[];
  /** Scale of every row's message count (quick mode runs shorter rows). */
  scale: number;
  /** Client counts that get a bursty row (256 B), next to their max-rate and paced rows. */
  burstClients: number[];
  /** Extra `set` rows of this module (client count, size, rate). */
  setRows: Array<[clients: number, size: number, rate: RateMode]>;
  writes: Array<[adapter: WriteRow['adapter'], op: WriteOp, concurrency: number]>;
  writeMaxMs: number;
  capacity: number;
  rounds: number;
  /** Rounds of the write rows: their ratios to plain `set` are medians of per-round ratios (a loaded machine varies 2× between 1 s rows). */
  writeRounds: number;
}

const MATRICES: Record<Exclude<BenchMode, 'smoke'>, Matrix> = {
  full: {
    clients: [100, 1_000, 5_000],
    sizes: [256, 4096],
    rates: ['max', 'paced'],
    servers: ALL_SERVERS,
    scale: 1,
    burstClients: [1_000, 5_000],
    setRows: [
      [1_000, 256, 'max'],
      [1_000, 4096, 'max'],
    ],
    writes: (['memory', 'file', 'redis'] as const).flatMap((adapter) =>
      [1, 32].flatMap((c) => [...SET_OPS, 'update' as const].map((op): [WriteRow['adapter'], WriteOp, number] => [adapter, op, c])),
    ),
    writeMaxMs: 2_000,
    capacity: 10_000,
    rounds: 3,
    writeRounds: 3,
  },
  quick: {
    clients: [100],
    sizes: [256],
    rates: ['max'],
    servers: ALL_SERVERS,
    scale: 0.1,
    burstClients: [],
    setRows: [[100, 256, 'max']],
    writes: [
      ...(['memory', 'file', 'redis'] as const).flatMap((adapter) => SET_OPS.map((op): [WriteRow['adapter'], WriteOp, number] => [adapter, op, 32])),
      ['file', 'update', 32],
      ['redis', 'update', 32],
    ],
    writeMaxMs: 1_000,
    capacity: 1_000,
    rounds: 1,
    writeRounds: 3,
  },
};

/** Every row of a mode, in run order (see runFanoutBlock). */
export function buildPlan(mode: BenchMode): { rows: Row[]; rounds: number; writeRounds: number } {
  if (mode === 'smoke') {
    const fanout = (['ws', 'streams-memory'] as const).map((server) => fanoutRow(server, SERVERS[server].op, 10, 256, 'max', 50));
    return { rows: [...fanout, ...SET_OPS.map((op) => writeRow('memory', op, 4, 500, 5_000))], rounds: 1, writeRounds: 1 };
  }
  const m = MATRICES[mode];
  const fanout: FanoutRow[] = [];
  // One block per client count; inside it, every server for one shape before the next shape, the ws
  // baseline first, so the rows a ratio compares run back to back.
  for (const clients of m.clients) {
    for (const size of m.sizes) {
      const rates = m.burstClients.includes(clients) && size === 256 ? [...m.rates, 'burst' as const] : m.rates;
      for (const rate of rates) {
        const count = messages(clients, size, rate, m.scale);
        for (const server of m.servers) {
          fanout.push(fanoutRow(server, SERVERS[server].op, clients, size, rate, count));
          const setRow = m.setRows.some(([c, s, r]) => c === clients && s === size && r === rate);
          if (setRow && server === 'streams-memory') fanout.push(fanoutRow(server, 'set', clients, size, rate, count));
        }
      }
    }
  }
  const writes = m.writes.map(([adapter, op, concurrency]) => writeRow(adapter, op, concurrency, 200_000, m.writeMaxMs));
  const capacity = (['ws', 'streams-memory'] as const).map(
    (server): CapacityRow => ({ kind: 'capacity', label: `capacity ${server} ${m.capacity}`, server, connections: m.capacity }),
  );
  return { rows: [...fanout, ...writes, ...capacity], rounds: m.rounds, writeRounds: m.writeRounds };
}

function writeRow(adapter: WriteRow['adapter'], op: WriteOp, concurrency: number, maxWrites: number, maxMs: number): WriteRow {
  return { kind: 'write', label: `write ${adapter} ${op} c${concurrency}`, adapter, op, concurrency, maxWrites, maxMs };
}

function fanoutRow(server: ServerName, op: PublishOp, clients: number, size: number, rateMode: RateMode, count: number): FanoutRow {
  const rate = rateMode === 'paced' ? PACED_DELIVERIES_PER_S / clients : rateMode === 'burst' ? BURSTS_PER_S : null;
  const rateText = { max: 'max', paced: `paced ${rate}/s`, burst: `burst ${BURST}x${BURSTS_PER_S}/s` }[rateMode];
  return {
    kind: 'fanout',
    label: `${server} ${op} ${clients}c ${sizeLabel(size)} ${rateText}`,
    server,
    op,
    clients,
    size,
    rateMode,
    rate,
    burst: rateMode === 'burst' ? BURST : null,
    messages: count,
  };
}

function messages(clients: number, size: number, rate: RateMode, scale: number): number {
  if (rate === 'burst') return BURST * Math.max(2, Math.round((BURST_DELIVERIES * scale) / clients / BURST));
  const wanted = rate === 'paced' ? (PACED_DELIVERIES_PER_S / clients) * PACED_SECONDS : MAX_DELIVERIES[size] / clients;
  return Math.round(Math.min(MAX_MESSAGES, Math.max(MIN_MESSAGES, wanted * scale)));
}

export function sizeLabel(size: number): string {
  return size >= 1024 ? `${size / 1024}KiB` : `${size}B`;
}
