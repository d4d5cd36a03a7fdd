/** One instance's entry for a member: `data` from the join handler, `state` from the client, `at` when written. */
export interface PresenceRecord {
  data: unknown;
  state: unknown;
  at: number;
}

/** One instance's entry in a group (an instance holds at most one per member key). */
export interface PresenceEntry {
  instance: string;
  key: string;
  record: PresenceRecord;
  /** How long the entry lives unless its instance writes it again, in ms (shared stores only, as read). */
  expiresInMs?: number;
}

/**
 * One write to a group's presence, as the store published it to every instance watching the group (and
 * returned it to the writer): the entries it wrote and dropped, and the group's version before and after.
 * Versions of a group only grow; a write that changed nothing (a keep-alive) keeps the version.
 */
export interface PresenceChange {
  stream: string;
  group: string;
  prev: number;
  version: number;
  /** The writing instance ('' for a write that only dropped expired entries). */
  instance: string;
  /** The writer's entries in `set` (every one of its entries in the group when `refreshed`) live this long unless written again. */
  ttlMs: number;
  refreshed: boolean;
  set: PresenceEntry[];
  /** Entries removed, or dropped because their instance stopped refreshing them. */
  removed: Array<{ instance: string; key: string }>;
}

/** A group's entries as read from the store, with the store's version of them. */
export interface PresenceRead {
  /** 0 when the store holds nothing of the group (never written, or every key expired). */
  version: number;
  /** Null when the version is still the one the caller passed: nothing changed. */
  entries: PresenceEntry[] | null;
}

/** Presence bounds (docs/reference/protocol.md, "Presence"); the Redis-only timings are the adapter's (`adapter.presence`). */
export interface StreamsPresenceOptions {
  /** Members one group may hold (on Redis: entries, one per member and instance); a join past it is seated as a watcher only. Default 100000. */
  maxMembersPerGroup?: number;
  /** Past this many members a group's watchers get counts only (no list, no join/leave events). Default 1000. */
  maxListedMembers?: number;
  /** Presence `state` updates one socket may send per second (a burst of as many, at least one); fractions allowed. Default 20. */
  updatesPerSecond?: number;
  /** Largest `state` of a member, in bytes of JSON. Default 4096. */
  maxStateBytes?: number;
  /**
   * Presence frames of one group, in bytes per second each watcher gets on average: changes are coalesced
   * (at most one frame per 50 ms), and a frame of B bytes delays the group's next by B / this. Default 65536.
   */
  bytesPerSecond?: number;
}

/**
 * Where the entries of each group live: in-process (memory and file adapters) or in Redis (shared by every
 * instance, entries expiring unless their instance refreshes them). Every write publishes its change to the
 * instances watching the group (through the adapter's channel of the group, delivered to the hub) and returns
 * it; reads are the truth a watcher starts from and re-syncs to.
 */
export interface PresenceStore {
  /** This instance's name in the entries it writes. */
  readonly instance: string;
  /** Interval of the consistency sweep; null when every change is made (and heard) in this process. */
  readonly sweepMs: number | null;
  /** Adds or replaces this instance's entry for `key`; null when the group already holds `max` entries. */
  put(stream: string, group: string, key: string, record: PresenceRecord, max: number): Promise<PresenceChange | null>;
  /** Removes this instance's entry for `key`; null when there was none. */
  remove(stream: string, group: string, key: string): Promise<PresenceChange | null>;
  /** The group's entries, unless the version is still `since`. */
  read(stream: string, group: string, since: number | null): Promise<PresenceRead>;
  close(): Promise<void>;
}

/** Who follows a group's presence on this instance (the presence hub's entry for the group). */
export interface PresenceListener {
  changed(change: PresenceChange): void;
  /** Changes may have been missed: read the group's presence again. */
  lost(): void;
}
