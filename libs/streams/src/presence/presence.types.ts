/** One instance's entry for a member: `data` from the join handler, `state` from the client, `at` when written. */
export interface PresenceRecord {
  data: unknown;
  state: unknown;
  at: number;
}

/** A member as clients and server code see it: one per member key, however many sockets or instances. */
export interface PresenceMember<D = unknown, S = unknown> {
  /** Chosen by the server (the join handler's `presence.key`), e.g. a user id. */
  key: string;
  /** Set by the server (the join handler's `presence.data`). */
  data: D;
  /** Set by the client (`presence` frames), null until it sends one; with several sockets, the last written. */
  state: S;
}

/** A group's members as read from the store, with the store's version of that list. */
export interface PresenceRead {
  version: string;
  /** Null when the version is still the one the caller passed: nothing changed. */
  members: Map<string, PresenceRecord> | null;
}

/** Presence bounds (docs/protocol.md, "Presence"); the Redis-only timings are the adapter's (`adapter.presence`). */
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
 * Where the members of each group live: in-process (memory and file adapters) or in Redis (shared by every
 * instance, entries expiring unless their instance refreshes them). Writes are this instance's entries;
 * reads merge every instance's entries into one member per key.
 */
export interface PresenceStore {
  /** Re-read interval for changes made by other instances; null when every change is made in this process. */
  readonly pollMs: number | null;
  /** Adds or replaces this instance's entry for `key`; false when the group already holds `max` entries. */
  put(stream: string, group: string, key: string, record: PresenceRecord, max: number): Promise<boolean>;
  remove(stream: string, group: string, key: string): Promise<void>;
  /**
   * The group's members (one per key: the latest written entry), unless the version is still `since`. A
   * record unchanged since the caller's last read is returned as the same object `known(key)` gives, so the
   * caller re-encodes only the members that changed.
   */
  read(stream: string, group: string, since: string | null, known?: (key: string) => PresenceRecord | undefined): Promise<PresenceRead>;
  close(): Promise<void>;
}
