import { Logger } from '@nestjs/common';
import type { StreamEnvelope, StreamListener, Unsubscribe } from './stream-adapter.interface';

/** Unambiguous map key for a (stream, group) pair whatever characters the names hold. */
export function groupKey(stream: string, group: string): string {
  return `${stream.length}:${stream}|${group}`;
}

/**
 * In-process delivery of envelopes to the listeners of one group, shared by the adapters. It runs inside the
 * adapter's write (memory, file), so each listener is isolated: one that throws is logged, the next still
 * gets the envelope and the write (already stored) still succeeds.
 */
export class LocalFanout {
  private readonly listeners = new Map<string, Set<StreamListener>>();
  private readonly logger = new Logger('StreamsFanout');

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
    for (const listener of set) {
      try {
        listener(envelope);
      } catch (error) {
        this.logger.error(`A stream listener failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}
