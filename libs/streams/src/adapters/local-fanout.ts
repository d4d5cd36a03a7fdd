import type { StreamEnvelope, StreamListener, Unsubscribe } from './stream-adapter.interface';

/** Unambiguous map key for a (stream, group) pair whatever characters the names hold. */
export function groupKey(stream: string, group: string): string {
  return `${stream.length}:${stream}|${group}`;
}

/** In-process delivery of envelopes to the listeners of one group, shared by the in-process adapters. */
export class LocalFanout {
  private readonly listeners = new Map<string, Set<StreamListener>>();

  subscribe(stream: string, group: string, listener: StreamListener): Unsubscribe {
    const key = groupKey(stream, group);
    let set = this.listeners.get(key);
    if (!set) this.listeners.set(key, (set = new Set()));
    set.add(listener);
    return async () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(key) === set) this.listeners.delete(key);
    };
  }

  hasListeners(stream: string, group: string): boolean {
    return this.listeners.has(groupKey(stream, group));
  }

  deliver(envelope: StreamEnvelope): void {
    const set = this.listeners.get(groupKey(envelope.frame.streamName, envelope.frame.groupId));
    if (!set) return;
    for (const listener of set) listener(envelope);
  }

  clear(): void {
    this.listeners.clear();
  }
}
