import { ExpiryHeap } from './expiry.heap';

describe('ExpiryHeap', () => {
  it('pops only due entries, earliest first, whatever the push order', () => {
    const heap = new ExpiryHeap();
    const times = [50, 10, 40, 30, 20, 60, 10];
    times.forEach((at, i) => heap.push({ at, stream: 's', group: 'g', item: String(i) }));
    const popped: number[] = [];
    for (let e = heap.popDue(45); e; e = heap.popDue(45)) popped.push(e.at);
    expect(popped).toEqual([10, 10, 20, 30, 40]);
    expect(heap.size).toBe(2);
    expect(heap.popDue(49)).toBeUndefined();
  });
});
