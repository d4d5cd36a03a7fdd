/**
 * The demo's streams, shared by the server and the page (so it must stay free of Node imports). Every item
 * stores its own id under `id`: group syncs carry bare values, and the client mirror keys them by it.
 */

export const STREAMS = {
  metrics: 'dashboard-metrics',
  chat: 'chat-messages',
  notifications: 'notifications',
  todos: 'shared-todos',
} as const;

/** `shared-todos` has one group, the to-do list every page edits through mutations. */
export const TODO_GROUP = 'shared';
export const TODO_TITLE_MAX_LENGTH = 120;
/** To-dos the shared list holds at most: an add past it is refused. */
export const TODO_LIMIT = 50;

/** `dashboard-metrics` has one group with the live sample and its recent history. */
export const METRICS_GROUP = 'server';
export const METRICS_ITEMS = { current: 'current', history: 'history' } as const;

/** Rooms the page offers (the REST API accepts any name matching ROOM_PATTERN). */
export const CHAT_ROOMS = ['lobby', 'random', 'help'] as const;
export const ROOM_PATTERN = /^[a-z0-9-]{1,32}$/;
const USER_NAME = '[a-z0-9_-]{1,24}';
/** User names double as notification group ids and as `@mention` targets. */
export const USER_NAME_PATTERN = new RegExp(`^${USER_NAME}$`);
/** `@name` in a chat message (not inside a word or an e-mail address); the capture is the name as typed. */
export const MENTION_PATTERN = new RegExp(`(?<![\\w@])@(${USER_NAME})`, 'gi');
export const MESSAGE_MAX_LENGTH = 500;

export interface ServerMetrics {
  id: typeof METRICS_ITEMS.current;
  /** Samples written since the server started (an `increment` op). */
  ticks: number;
  cpuPercent: number;
  heapUsedMb: number;
  rssMb: number;
  eventLoopDelayMs: number;
  uptimeSeconds: number;
  /** When the server process started (ISO). */
  startedAt: string;
  /** How often a sample is written. */
  intervalMs: number;
  updatedAt: string;
}

/** One point of the sparklines. */
export type MetricsSample = Pick<ServerMetrics, 'cpuPercent' | 'heapUsedMb' | 'rssMb' | 'eventLoopDelayMs'> & { at: number };

export interface MetricsHistory {
  id: typeof METRICS_ITEMS.history;
  samples: MetricsSample[];
}

export type MetricsItem = ServerMetrics | MetricsHistory;

export interface ChatMessage {
  id: string;
  room: string;
  author: string;
  text: string;
  sentAt: string;
}

/** Custom event of `chat-messages` (sent with `send`, stored nowhere). */
export interface TypingEvent {
  author: string;
}

export interface MentionNotification {
  id: string;
  kind: 'mention';
  from: string;
  room: string;
  messageId: string;
  text: string;
  createdAt: string;
}

export interface Todo {
  /** Made by the page (a UUID), so its optimistic copy and the stored one are the same item. */
  id: string;
  title: string;
  done: boolean;
  /** Who added it (the connection's user). */
  by: string;
}

/** The schema the page's StreamsClient is typed with. */
export interface DemoStreams {
  'dashboard-metrics': { item: MetricsItem };
  'chat-messages': { item: ChatMessage; events: { typing: TypingEvent } };
  notifications: { item: MentionNotification };
  'shared-todos': { item: Todo };
}

/** `GET /config.json`: what the page needs to connect. */
export interface PageConfig {
  streamsUrl: string;
}
