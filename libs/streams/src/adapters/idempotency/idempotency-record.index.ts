import { groupKey } from '../../common/group.key';
import type { LedgerCounts, LedgerEntry, LedgerRecordRef, LedgerStorage } from './idempotency.ledger';

/** A place in recording order; null once its record was removed, so the record is freed at once. */
interface Slot<T> {
  record: T | null;
}

/** A group's records by key, in recording order. */
type GroupSlots<T> = Map<string, Slot<T>>;

/** Removed records the recording-order queue may hold at its head before it is compacted. */
const COMPACT_AT = 1024;

/**
 * Idempotency records by group and key, in recording order per group and overall: what the bounds and the
 * expiry purge read (counts, oldest). The memory ledger is this; the file ledger keeps one beside its
 * records in the store. The overall order is a queue rather than a Set: the oldest entry of a Set that
 * keeps losing its first ones is found by skipping every deleted slot before it, which grows with the
 * number of records; the queue skips each removed record once, at its head.
 */
export class IdempotencyRecordIndex<T extends LedgerRecordRef> {
  private readonly groups = new Map<string, GroupSlots<T>>();
  private readonly order: Slot<T>[] = [];
  private head = 0;
  private total = 0;
  /** The group looked up last: one write asks for its group up to three times in a row. */
  private last: { stream: string; group: string; slots: GroupSlots<T> } | null = null;

  find(stream: string, group: string, key: string): T | undefined {
    return this.slots(stream, group)?.get(key)?.record ?? undefined;
  }

  /** Adds a record of a key its group does not hold. */
  add(record: T): void {
    let slots = this.slots(record.stream, record.group);
    if (!slots) {
      this.groups.set(groupKey(record.stream, record.group), (slots = new Map()));
      this.last = { stream: record.stream, group: record.group, slots };
    }
    const slot: Slot<T> = { record };
    slots.set(record.key, slot);
    this.order.push(slot);
    this.total++;
  }

  /** Removes the record held under its key, if it is this one (`same`: by default, this very object). */
  remove(record: LedgerRecordRef, same: (held: T) => boolean = (held) => held === record): void {
    const slots = this.slots(record.stream, record.group);
    const slot = slots?.get(record.key);
    if (!slots || !slot?.record || !same(slot.record)) return;
    slot.record = null;
    slots.delete(record.key);
    this.total--;
    if (slots.size > 0) return;
    this.groups.delete(groupKey(record.stream, record.group));
    if (this.last?.slots === slots) this.last = null;
  }

  /** The oldest record of the group, or of all when no group is given. */
  oldest(group?: { stream: string; group: string }): T | undefined {
    if (group) return this.slots(group.stream, group.group)?.values().next().value?.record ?? undefined;
    const { order } = this;
    while (this.head < order.length && order[this.head].record === null) this.head++;
    if (this.head >= COMPACT_AT && this.head * 2 >= order.length) {
      order.splice(0, this.head);
      this.head = 0;
    }
    return order[this.head]?.record ?? undefined;
  }

  counts(stream: string, group: string): LedgerCounts {
    return { group: this.slots(stream, group)?.size ?? 0, total: this.total };
  }

  private slots(stream: string, group: string): GroupSlots<T> | undefined {
    const last = this.last;
    if (last && last.stream === stream && last.group === group) return last.slots;
    const slots = this.groups.get(groupKey(stream, group));
    if (slots) this.last = { stream, group, slots };
    return slots;
  }
}

/** The memory adapter's ledger storage: the index alone, holding the entries the ledger built (a KeyedCall computes its fingerprint only if a retry comes). */
export class MemoryLedgerStorage extends IdempotencyRecordIndex<LedgerEntry> implements LedgerStorage {}
