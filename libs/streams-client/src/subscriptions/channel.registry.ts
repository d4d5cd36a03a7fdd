import type { DeltaFrame, PresenceFrame, ResumedFrame, StreamFrame } from 'nest-realtime-streams-protocol';
import type { Channel } from './subscription.channel';

const keyOf = (streamName: string, groupId: string, itemId?: string | null): string => JSON.stringify([streamName, groupId, itemId ?? null]);

/**
 * Live channels, indexed for routing. Frames carry no subscription id (and the server sends one copy per
 * socket however many subscriptions overlap), so a frame goes to every channel of its group and of its item.
 */
export class ChannelRegistry {
  private readonly byKey = new Map<string, Set<Channel>>();

  add(channel: Channel): void {
    const key = keyOf(channel.streamName, channel.groupId, channel.itemId);
    let set = this.byKey.get(key);
    if (!set) this.byKey.set(key, (set = new Set()));
    set.add(channel);
  }

  remove(channel: Channel): boolean {
    const key = keyOf(channel.streamName, channel.groupId, channel.itemId);
    const set = this.byKey.get(key);
    const removed = set?.delete(channel) ?? false;
    if (set?.size === 0) this.byKey.delete(key);
    return removed;
  }

  all(): Channel[] {
    return [...this.byKey.values()].flatMap((set) => [...set]);
  }

  route(frame: StreamFrame): void {
    // A sync or unauthorized frame answers one join: with an item id it is an item join's, not the group's.
    const answersItemJoin = (frame.event.type === 'sync' || frame.event.type === 'unauthorized') && frame.id !== null;
    const targets = [
      ...(answersItemJoin ? [] : (this.byKey.get(keyOf(frame.streamName, frame.groupId)) ?? [])),
      ...(frame.id === null ? [] : (this.byKey.get(keyOf(frame.streamName, frame.groupId, frame.id)) ?? [])),
    ];
    for (const channel of targets) channel.receive(frame);
  }

  /** A delta frame is about an item: its group's channels and its own take it (only delta subscriptions get one). */
  routeDelta(frame: DeltaFrame): void {
    const targets = [...(this.byKey.get(keyOf(frame.streamName, frame.groupId)) ?? []), ...(this.byKey.get(keyOf(frame.streamName, frame.groupId, frame.id)) ?? [])];
    for (const channel of targets) channel.receiveDelta(frame);
  }

  /** A `resumed` frame names the one join it answers. */
  routeResumed(frame: ResumedFrame): void {
    for (const channel of this.byKey.get(keyOf(frame.streamName, frame.groupId, frame.id)) ?? []) {
      if (channel.subscriptionId === frame.subscriptionId) channel.receiveResumed(frame);
    }
  }

  /** A presence frame names the group subscription it is for. */
  routePresence(frame: PresenceFrame): void {
    for (const channel of this.byKey.get(keyOf(frame.streamName, frame.groupId)) ?? []) {
      if (channel.subscriptionId === frame.subscriptionId) channel.receivePresence?.(frame);
    }
  }

  clear(): void {
    for (const channel of this.all()) channel.dispose();
    this.byKey.clear();
  }
}
