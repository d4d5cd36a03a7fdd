import { Inject, Injectable, Logger } from '@nestjs/common';
import { groupKey } from '../common/group.key';
import type { StreamAdapter, StreamEnvelope, StreamSink, Unwatch } from '../adapters/stream-adapter.interface';
import type { PresenceChange, PresenceListener } from '../presence/presence.types';
import { STREAMS_ADAPTER } from '../streams.constants';
import { HubEvent } from './hub.event';

/** Something that takes the events of a group it is bound to: a socket's binding to the group (its subscriptions there). */
export interface GroupMember {
  deliver(event: HubEvent): void;
  /** The adapter cannot prove the member got every event of the group (SPEC §7.9). */
  continuityLost(stream: string, group: string): void;
}

interface GroupEntry {
  members: Set<GroupMember>;
  presence: PresenceListener | null;
  /** Resolves once the adapter delivers this group's events here. */
  ready: Promise<Unwatch>;
}

/**
 * The adapter's sink and the process's one owner of group → members: one adapter watch per group however
 * many sockets are bound to it; each event is wrapped once (its wire bytes encoded once, on first use) and
 * handed to every member once, each member isolated from the others: one that throws is logged and the next
 * still gets the event (the adapter's write, which may be running this, still succeeds). A group's presence
 * changes come through the same watch and go to its presence listener.
 */
@Injectable()
export class StreamsHub implements StreamSink {
  private readonly groups = new Map<string, GroupEntry>();
  private readonly logger = new Logger('StreamsHub');

  constructor(@Inject(STREAMS_ADAPTER) private readonly adapter: StreamAdapter) {
    adapter.attach(this);
  }

  /** Binds a member to a group; resolves when the group's events are flowing (before any snapshot is read). */
  async bind(stream: string, group: string, member: GroupMember): Promise<void> {
    const entry = this.entry(stream, group);
    entry.members.add(member);
    await entry.ready;
  }

  async unbind(stream: string, group: string, member: GroupMember): Promise<void> {
    const key = groupKey(stream, group);
    const entry = this.groups.get(key);
    if (entry?.members.delete(member)) await this.release(key, entry);
  }

  /** The group's presence changes go to `listener` (one per group); resolves when they are flowing. */
  async bindPresence(stream: string, group: string, listener: PresenceListener): Promise<void> {
    const entry = this.entry(stream, group);
    entry.presence = listener;
    await entry.ready;
  }

  async unbindPresence(stream: string, group: string, listener: PresenceListener): Promise<void> {
    const key = groupKey(stream, group);
    const entry = this.groups.get(key);
    if (entry?.presence !== listener) return;
    entry.presence = null;
    await this.release(key, entry);
  }

  deliver(envelope: StreamEnvelope): void {
    const key = groupKey(envelope.frame.streamName, envelope.frame.groupId);
    const entry = this.groups.get(key);
    if (!entry) return;
    const event = new HubEvent(envelope);
    // One try around the loop, not one per member (the loop is the hot path); after a throw it goes on with
    // the member after the one that threw.
    const members = entry.members.values();
    for (;;) {
      try {
        for (let next = members.next(); !next.done; next = members.next()) next.value.deliver(event);
        return;
      } catch (error) {
        this.logger.error(`A stream listener failed: ${describe(error)}`);
      }
    }
  }

  presence(change: PresenceChange): void {
    try {
      this.groups.get(groupKey(change.stream, change.group))?.presence?.changed(change);
    } catch (error) {
      this.logger.error(`A presence listener failed: ${describe(error)}`);
    }
  }

  presenceLost(stream: string, group: string): void {
    this.groups.get(groupKey(stream, group))?.presence?.lost();
  }

  continuityLost(stream: string, group: string): void {
    const entry = this.groups.get(groupKey(stream, group));
    for (const member of [...(entry?.members ?? [])]) {
      try {
        member.continuityLost(stream, group);
      } catch (error) {
        this.logger.error(`A continuity listener failed: ${describe(error)}`);
      }
    }
  }

  /** Every group of `stream` with members here: the stream itself may have missed writes (change capture lost its slot). */
  streamContinuityLost(stream: string): void {
    const prefix = groupKey(stream, '');
    for (const key of [...this.groups.keys()]) {
      if (key.startsWith(prefix)) this.continuityLost(stream, key.slice(prefix.length));
    }
  }

  private entry(stream: string, group: string): GroupEntry {
    const key = groupKey(stream, group);
    let entry = this.groups.get(key);
    if (!entry) {
      const created: GroupEntry = { members: new Set(), presence: null, ready: this.adapter.watch(stream, group) };
      this.groups.set(key, (entry = created));
      created.ready.catch(() => this.groups.get(key) === created && this.groups.delete(key));
    }
    return entry;
  }

  /** The group's watch ends with the last of its members and its presence listener. */
  private async release(key: string, entry: GroupEntry): Promise<void> {
    if (entry.members.size > 0 || entry.presence || this.groups.get(key) !== entry) return;
    this.groups.delete(key);
    const unwatch = await entry.ready.catch(() => null);
    await unwatch?.();
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
