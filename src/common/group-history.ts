import type { StreamGroupRef, StreamsService } from 'nest-realtime-streams';

/** A group whose items are timestamped records (chat messages, notifications), oldest first. */
export class GroupHistory<T extends { id: string }> {
  constructor(
    private readonly streams: StreamsService,
    private readonly timeOf: (item: T) => string,
  ) {}

  /** The group's items oldest first; sorted here because not every adapter lists in insertion order. */
  async list(ref: StreamGroupRef): Promise<T[]> {
    return (await this.streams.list<T>(ref)).sort((a, b) => this.timeOf(a).localeCompare(this.timeOf(b)));
  }

  /** Deletes the oldest items beyond `keep` (each delete reaches subscribers). */
  async trim(ref: StreamGroupRef, keep: number): Promise<void> {
    const items = await this.list(ref);
    for (const old of items.slice(0, Math.max(0, items.length - keep))) {
      await this.streams.delete({ ...ref, item_id: old.id });
    }
  }
}
