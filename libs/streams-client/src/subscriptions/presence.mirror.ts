import type { PresenceEvent, PresenceMember, PresenceSnapshot } from '../protocol/wire.types';

/** What changed in a group's presence: the whole view (`list`), one member, or only the count. */
export type PresenceChange = PresenceEvent;

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
    if (event.type === 'list') return this.reset({ count, members: event.members });
    if (event.type === 'count' || !this.members) return;
    if (event.type === 'leave') this.members.delete(event.member.key);
    else this.members.set(event.member.key, event.member);
  }

  clear(): void {
    this.count = 0;
    this.members = null;
  }
}
