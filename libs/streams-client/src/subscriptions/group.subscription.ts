import type { GroupChange, GroupChannel } from './group.channel';
import { Subscription } from './subscription.handle';

/** A live group: `items` mirrors the server's group, keyed by item id. */
export class GroupSubscription<T, E extends object = Record<never, never>> extends Subscription<GroupChange<T>, E, GroupChannel<T>> {
  get items(): ReadonlyMap<string, T> {
    return this.channel.items;
  }

  /** The item values in server order. */
  get values(): T[] {
    return [...this.channel.items.values()];
  }
}
