import type { ItemOf, StreamName, StreamSchema, StreamsClient } from 'nest-realtime-streams-client';

/** What React's `useSyncExternalStore(subscribe, getSnapshot)` reads. */
export interface GroupStore<T> {
  subscribe(onChange: () => void): () => void;
  getSnapshot(): readonly T[];
}

/**
 * A group of a stream as an external store for React: the first component that subscribes joins the group,
 * the last one to unsubscribe leaves it, and `getSnapshot` returns the same array until the group changes
 * (React re-renders only then). Plain TypeScript: it needs no React, so it is tested without it.
 */
export function groupStore<S extends StreamSchema<S>, N extends StreamName<S>>(client: StreamsClient<S>, streamName: N, groupId: string): GroupStore<ItemOf<S, N>> {
  const listeners = new Set<() => void>();
  let subscription: ReturnType<typeof client.subscribeGroup<N>> | null = null;
  let snapshot: readonly ItemOf<S, N>[] = [];
  return {
    subscribe(onChange) {
      listeners.add(onChange);
      if (!subscription) {
        const joined = client.subscribeGroup(streamName, groupId);
        joined.on('change', () => {
          snapshot = joined.values;
          for (const listener of listeners) listener();
        });
        subscription = joined;
      }
      return () => {
        listeners.delete(onChange);
        if (listeners.size > 0 || !subscription) return;
        subscription.close();
        subscription = null;
        snapshot = [];
      };
    },
    getSnapshot: () => snapshot,
  };
}
