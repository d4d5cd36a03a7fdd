import type { ResumedFrame } from 'nest-realtime-streams-protocol';
import { type ChangeVersions, SubscriptionChannel } from './subscription.channel';

/** `value` is the item's value after the change: null once deleted or when it does not exist. */
export interface ItemChange<T> {
  type: 'sync' | 'create' | 'update' | 'delete';
  value: T | null;
  timestamp: number;
}

/** An item subscription's mirror: the current value or null, and its version (null: missing or unknown). */
export class ItemChannel<T> extends SubscriptionChannel<ItemChange<T>> {
  value: T | null = null;
  version: string | null = null;

  /** Whether the item exists: a stored value may itself be null, a missing item has a null version too. */
  private exists = false;

  protected apply(type: ItemChange<T>['type'], _id: string | null, data: unknown, timestamp: number, versions: ChangeVersions): void {
    this.value = type === 'delete' ? null : ((data ?? null) as T | null);
    this.version = type === 'delete' ? null : versions.version;
    this.exists = type !== 'delete' && (this.value !== null || this.version !== null);
    this.changes.emit('change', { type, value: this.value, timestamp });
  }

  protected holds({ version }: ResumedFrame): boolean {
    return version === undefined || version === this.version;
  }

  protected versionOf(): string | null | undefined {
    return this.exists ? this.version : undefined;
  }

  protected valueOf(): { value: unknown } | undefined {
    return this.exists ? { value: this.value } : undefined;
  }

  protected clear(): void {
    this.value = null;
    this.version = null;
    this.exists = false;
  }
}
