import { SubscriptionChannel } from './subscription.channel';

/** `value` is the item's value after the change: null once deleted or when it does not exist. */
export interface ItemChange<T> {
  type: 'sync' | 'create' | 'update' | 'delete';
  value: T | null;
  timestamp: number;
}

/** An item subscription's mirror: the current value or null. */
export class ItemChannel<T> extends SubscriptionChannel<ItemChange<T>> {
  value: T | null = null;

  protected apply(type: ItemChange<T>['type'], _id: string | null, data: unknown, timestamp: number): void {
    this.value = type === 'delete' ? null : ((data ?? null) as T | null);
    this.changes.emit('change', { type, value: this.value, timestamp });
  }

  protected clear(): void {
    this.value = null;
  }
}
