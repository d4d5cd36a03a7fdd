/** One instance's entry for a member: `data` from the join handler, `state` from the client, `at` when written. */
export interface PresenceRecord {
  data: unknown;
  state: unknown;
  at: number;
}

/** A group's members as read from the store, with the store's version of that list. */
export interface PresenceRead {
  version: string;
  /** Null when the version is still the one the caller passed: nothing changed. */
  members: Map<string, PresenceRecord> | null;
}

/** Presence bounds and timings, resolved from the `presence` option. */
export interface PresenceLimits {
  maxMembersPerGroup: number;
  maxListedMembers: number;
  maxUpdatesPerSecond: number;
  maxStateBytes: number;
  maxBytesPerSecond: number;
  ttlMs: number;
  pollMs: number;
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
