import type { HistoryLimits } from './group-log';

/** Per group: the last 1000 events, for up to 5 minutes. */
export const DEFAULT_HISTORY: HistoryLimits = { size: 1000, maxAgeMs: 5 * 60_000 };
