import type { PresenceMember } from 'nest-realtime-streams-protocol';
import type { GroupChange, GroupChannel } from './group.channel';
import { Subscription } from './subscription.handle';

/** A live group: `items` mirrors the server's group, keyed by item id, with this client's pending mutations on top. */
export class GroupSubscription<T, E extends object = Record<never, never>> extends Subscription<GroupChange<T>, E, GroupChannel<T>> {
  /** The items as the UI should show them: the server's, with this client's pending mutations applied on top. */
  get items(): ReadonlyMap<string, T> {
    return this.channel.view();
  }

  /** The item values in server order (pending mutations applied; new items last). */
  get values(): T[] {
    return [...this.channel.view().values()];
  }

  /** The items as the server last said, without pending mutations. */
  get confirmed(): ReadonlyMap<string, T> {
    return this.channel.items;
  }

  /** Each item's version (`epoch:seq` of its last write, SPEC §8) as the server last said, when the frames carried one (delta subscriptions always). */
  get versions(): ReadonlyMap<string, string | null> {
    return this.channel.versions;
  }

  /** Whether a pending mutation of this client touches the item ("saving…"). */
  isPending(itemId: string): boolean {
    return this.channel.layers?.isPending(this.streamName, this.groupId, itemId) ?? false;
  }

  /**
   * The group's presence (subscribed with `presence`; null otherwise): the member count and the members by
   * key (null in counts-only mode). Listen with `on('presence', ...)`.
   */
  get presence(): { count: number; members: ReadonlyMap<string, PresenceMember> | null } | null {
    const p = this.channel.presence;
    return p && { count: p.count, members: p.members };
  }

  /** This client's presence state on the member the server seated it as (e.g. `{ typing: true }`). */
  setPresence(state: unknown): void {
    this.channel.setPresence(state);
  }
}
