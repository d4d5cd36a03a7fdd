import type { ItemChange, ItemChannel } from './item.channel';
import { Subscription } from './subscription.handle';

/** A live item: `value` mirrors the server's value (null when it does not exist). */
export class ItemSubscription<T, E extends object = Record<never, never>> extends Subscription<ItemChange<T>, E, ItemChannel<T>> {
  get value(): T | null {
    return this.channel.value;
  }

  /** The value's version (`epoch:seq` of its last write, SPEC §8); null when missing or not told. */
  get version(): string | null {
    return this.channel.version;
  }
}
