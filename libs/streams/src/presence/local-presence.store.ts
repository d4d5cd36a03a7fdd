import { groupKey } from '../adapters/group.key';
import type { PresenceRead, PresenceRecord, PresenceStore } from './presence.types';

interface LocalGroup {
  members: Map<string, PresenceRecord>;
  version: number;
}

/** Presence of the in-process adapters (memory, file): every member is on this process. */
export class LocalPresenceStore implements PresenceStore {
  readonly pollMs = null;
  private readonly groups = new Map<string, LocalGroup>();
  private versions = 0;

  async put(stream: string, group: string, key: string, record: PresenceRecord, max: number): Promise<boolean> {
    const gk = groupKey(stream, group);
    let entry = this.groups.get(gk);
    if (!entry) this.groups.set(gk, (entry = { members: new Map(), version: 0 }));
    if (!entry.members.has(key) && entry.members.size >= max) return false;
    entry.members.set(key, record);
    entry.version = ++this.versions;
    return true;
  }

  async remove(stream: string, group: string, key: string): Promise<void> {
    const gk = groupKey(stream, group);
    const entry = this.groups.get(gk);
    if (!entry?.members.delete(key)) return;
    entry.version = ++this.versions;
    // An empty group costs nothing: the next member starts a new entry (versions never repeat).
    if (entry.members.size === 0) this.groups.delete(gk);
  }

  /** Records are the objects written (never mutated: each write is a new one), so `known` has nothing to add. */
  async read(stream: string, group: string, since: string | null): Promise<PresenceRead> {
    const entry = this.groups.get(groupKey(stream, group));
    const version = String(entry?.version ?? 0);
    if (version === since) return { version, members: null };
    return { version, members: new Map(entry?.members ?? []) };
  }

  async close(): Promise<void> {
    this.groups.clear();
  }
}
