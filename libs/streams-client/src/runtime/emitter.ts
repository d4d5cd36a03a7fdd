import { runtime } from './globals';

export type Listener<A> = (arg: A) => void;
export type Unsubscribe = () => void;

/**
 * A minimal typed event emitter. A throwing listener neither stops the others nor the frame dispatch that
 * emitted: its error is rethrown on a fresh microtask, where the host reports it as uncaught.
 */
export class Emitter<M extends object> {
  private readonly listeners = new Map<keyof M, Set<Listener<never>>>();

  on<K extends keyof M>(type: K, listener: Listener<M[K]>): Unsubscribe {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  emit<K extends keyof M>(type: K, arg: M[K]): void {
    for (const listener of [...(this.listeners.get(type) ?? [])] as Listener<M[K]>[]) {
      try {
        listener(arg);
      } catch (error) {
        runtime.queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}
