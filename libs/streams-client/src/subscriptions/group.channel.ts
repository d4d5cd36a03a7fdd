import { SubscriptionChannel } from './subscription.channel';

export type GroupChange<T> =
  | { type: 'sync'; timestamp: number }
  | { type: 'create' | 'update'; id: string; value: T; timestamp: number }
  /** `value` is the removed value. */
  | { type: 'delete'; id: string; value: T; timestamp: number };

/** Extracts an item's id from its value; `undefined` when it has none. */
export type IdExtractor<T> = (value: T) => string | undefined;

/** A group subscription's mirror: item id → value, in server order (sync order, then creation order). */
export class GroupChannel<T> extends SubscriptionChannel<GroupChange<T>> {
  readonly items = new Map<string, T>();

  constructor(subscriptionId: string, streamName: string, groupId: string, private readonly idOf: IdExtractor<T>) {
    super(subscriptionId, streamName, groupId);
  }

  protected apply(type: GroupChange<T>['type'], id: string | null, data: unknown, timestamp: number): void {
    if (type === 'sync') {
      // Sync values carry no item ids: the id is read from inside each value. A fresh sync replaces the
      // mirror, so items deleted while disconnected disappear.
      this.items.clear();
      for (const value of Array.isArray(data) ? (data as T[]) : []) {
        const key = this.idOf(value);
        if (key !== undefined) this.items.set(key, value);
      }
      this.changes.emit('change', { type, timestamp });
      return;
    }
    if (id === null) return;
    const value = data as T;
    if (type === 'delete') this.items.delete(id);
    else this.items.set(id, value);
    this.changes.emit('change', { type, id, value, timestamp });
  }

  protected clear(): void {
    this.items.clear();
  }
}

/** `idField` option → extractor: a property name (string or number values) or a function. */
export function idExtractor<T>(idField: string | IdExtractor<T>): IdExtractor<T> {
  if (typeof idField === 'function') return idField;
  return (value) => {
    if (typeof value !== 'object' || value === null) return undefined;
    const id = (value as Record<string, unknown>)[idField];
    return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
  };
}
