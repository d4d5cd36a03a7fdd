import type { PresenceEvent, PresenceMember, PresenceSnapshot } from 'nest-realtime-streams-protocol';

/** What changed in a group's presence: the whole view (`list`), one member, or only the count. */
export type PresenceChange = Exclude<PresenceEvent, { type: 'changes' }>;

/** The changes a presence event carries: itself, or each member's of a coalesced `changes` event. */
export const presenceChanges = (event: PresenceEvent): PresenceChange[] => (event.type === 'changes' ? event.events : [event]);

/**
 * A group's presence as this subscription sees it: the member count and, unless in counts-only mode (asked
 * with `presence: 'count'`, or the group is past the server's `maxListedMembers`), the members by key.
 */
export class PresenceMirror {
  count = 0;
  members: Map<string, PresenceMember> | null = null;

  /** The list a sync, a `resumed` or a `list` event carries: replaces the view. */
  reset(snapshot: PresenceSnapshot): void {
    this.count = snapshot.count;
    this.members = snapshot.members ? new Map(snapshot.members.map((m) => [m.key, m])) : null;
  }

  apply(event: PresenceEvent, count: number): void {
    this.count = count;
    for (const change of presenceChanges(event)) {
      if (change.type === 'list') return this.reset({ count, members: change.members });
      if (change.type === 'count' || !this.members) return;
      if (change.type === 'leave') this.members.delete(change.member.key);
      else this.members.set(change.member.key, change.member);
    }
  }

  clear(): void {
    this.count = 0;
    this.members = null;
  }
}
