/** One scheduled expiry of the in-process adapters. */
export interface ExpiryEntry {
  at: number;
  stream: string;
  group: string;
  item: string;
}

/**
 * Scheduled expiries, earliest first (a binary min-heap). Entries are never updated in place: a rewrite
 * pushes a new one and the sweep skips those whose item no longer expires at their time, so each write
 * costs O(log n) and the heap only ever holds items written with a TTL.
 */
export class ExpiryHeap {
  private readonly heap: ExpiryEntry[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(entry: ExpiryEntry): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent].at <= heap[i].at) break;
      [heap[parent], heap[i]] = [heap[i], heap[parent]];
      i = parent;
    }
  }

  /** Removes and returns the earliest entry if it is due at `now`. */
  popDue(now: number): ExpiryEntry | undefined {
    const heap = this.heap;
    if (heap.length === 0 || heap[0].at > now) return undefined;
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let min = i;
        if (l < heap.length && heap[l].at < heap[min].at) min = l;
        if (r < heap.length && heap[r].at < heap[min].at) min = r;
        if (min === i) break;
        [heap[min], heap[i]] = [heap[i], heap[min]];
        i = min;
      }
    }
    return top;
  }

  clear(): void {
    this.heap.length = 0;
  }
}
