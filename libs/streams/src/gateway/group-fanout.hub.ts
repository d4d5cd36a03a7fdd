import type { StreamAdapter, StreamEnvelope, Unsubscribe } from '../adapters/stream-adapter.interface';
import { groupKey } from '../adapters/local-fanout';

/** Something that takes the frames of the groups it is bound to: a socket connection. */
export interface GroupMember {
  /** `key` is the group's key, computed once per event here rather than by every member. */
  deliver(envelope: StreamEnvelope, key: string): void;
}

interface GroupEntry {
  members: Set<GroupMember>;
  /** Resolves once the adapter delivers this group's frames here. */
  ready: Promise<Unsubscribe>;
}

/** Told, per bound member, that the adapter cannot prove the member got every frame of a group (SPEC §7.9). */
export type MemberContinuityLost = (member: GroupMember, stream: string, group: string) => void;

/**
 * One adapter subscription per group on this instance, however many sockets watch it; each frame is handed
 * to every bound socket once (each socket then decides from its own subscriptions). When the adapter says
 * continuity of a group was lost, every member bound to it is passed to `continuityLost`.
 */
export class GroupFanoutHub {
  private readonly groups = new Map<string, GroupEntry>();

  constructor(
    private readonly adapter: StreamAdapter,
    private readonly continuityLost: MemberContinuityLost = () => undefined,
  ) {}

  /** Binds a member to a group; resolves when frames of the group are flowing (before any snapshot is read). */
  async bind(stream: string, group: string, member: GroupMember): Promise<void> {
    const key = groupKey(stream, group);
    let entry = this.groups.get(key);
    if (!entry) {
      const members = new Set<GroupMember>();
      const ready = this.adapter.subscribe(
        stream,
        group,
        (envelope) => {
          for (const m of members) m.deliver(envelope, key);
        },
        () => {
          for (const m of [...members]) this.continuityLost(m, stream, group);
        },
      );
      entry = { members, ready };
      this.groups.set(key, entry);
      ready.catch(() => this.groups.get(key) === entry && this.groups.delete(key));
    }
    entry.members.add(member);
    await entry.ready;
  }

  async unbind(stream: string, group: string, member: GroupMember): Promise<void> {
    const key = groupKey(stream, group);
    const entry = this.groups.get(key);
    if (!entry || !entry.members.delete(member) || entry.members.size > 0) return;
    this.groups.delete(key);
    const unsubscribe = await entry.ready.catch(() => null);
    await unsubscribe?.();
  }
}
