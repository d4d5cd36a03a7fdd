import { groupKey } from '../common/group.key';
import type { PresenceChange, PresenceRead, PresenceRecord, PresenceStore } from './presence.types';

interface LocalGroup {
  members: Map<string, PresenceRecord>;
  version: number;
}

/** Presence of the in-process adapters (memory, file): every member is on this process, every change made here. */
export class LocalPresenceStore implements PresenceStore {
  readonly instance = '';
  readonly sweepMs = null;
  private readonly groups = new Map<string, LocalGroup>();
  private versions = 0;

  async put(stream: string, group: string, key: string, record: PresenceRecord, max: number): Promise<PresenceChange | null> {
    const gk = groupKey(stream, group);
    let entry = this.groups.get(gk);
    if (!entry) this.groups.set(gk, (entry = { members: new Map(), version: 0 }));
    if (!entry.members.has(key) && entry.members.size >= max) return null;
    entry.members.set(key, record);
    return this.changed(stream, group, entry, { set: [{ instance: '', key, record }], removed: [] });
  }

  async remove(stream: string, group: string, key: string): Promise<PresenceChange | null> {
    const gk = groupKey(stream, group);
    const entry = this.groups.get(gk);
    if (!entry?.members.delete(key)) return null;
    // An empty group costs nothing: it reads as version 0 (no state), and its next member starts past every version.
    if (entry.members.size === 0) this.groups.delete(gk);
    return this.changed(stream, group, entry, { set: [], removed: [{ instance: '', key }] });
  }

  /** Records are the objects written (never mutated: each write is a new one). */
  async read(stream: string, group: string, since: number | null): Promise<PresenceRead> {
    const entry = this.groups.get(groupKey(stream, group));
    const version = entry?.version ?? 0;
    if (version === since) return { version, entries: null };
    return { version, entries: [...(entry?.members ?? [])].map(([key, record]) => ({ instance: '', key, record })) };
  }

  async close(): Promise<void> {
    this.groups.clear();
  }

  private changed(stream: string, group: string, entry: LocalGroup, what: Pick<PresenceChange, 'set' | 'removed'>): PresenceChange {
    const prev = entry.version;
    entry.version = ++this.versions;
    return { stream, group, prev, version: entry.version, instance: '', ttlMs: 0, refreshed: false, ...what };
  }
}
