import { Logger } from '@nestjs/common';
import { groupKey } from '../adapters/group.key';
import { JoinRateLimiter } from '../gateway/join-rate.limiter';
import type { PresenceLimits, PresenceMember, PresenceRead, PresenceRecord, PresenceStore } from './presence.types';

/** What a socket gets in its `sync` (and `resumed`) when it asked for presence. */
export interface PresenceSnapshot {
  count: number;
  /** Absent in counts-only mode (asked with `presence: 'count'`, or the group is past `maxListedMembers`). */
  members?: PresenceMember[];
}

/** A socket as presence sees it: where frames go (JSON text), and its update budget. */
export interface PresenceSocket {
  sendText(json: string): void;
}

/** How a join asked for presence. */
export type PresenceMode = 'members' | 'count';

interface Watcher {
  socket: PresenceSocket;
  subscriptionId: string;
  mode: PresenceMode;
  /** Set once the subscription's sync carried the list: events before it would be about a list it has not seen. */
  live: boolean;
}

interface Seat {
  group: PresenceGroup;
  watcher: Watcher;
  /** The member key this subscription holds, null when it only watches. */
  key: string | null;
}

interface PresenceGroup {
  stream: string;
  group: string;
  /** The members as last read, with each one's JSON to tell updates apart. */
  members: Map<string, { member: PresenceMember; json: string }>;
  version: string | null;
  watchers: Set<Watcher>;
  /** This instance's members: how many subscriptions hold each key, and the entry written for it. */
  local: Map<string, { holders: number; record: PresenceRecord }>;
  reading: Promise<void> | null;
  again: boolean;
}

export type PresenceEnterResult = 'ok' | 'full' | 'failed';
export type PresenceUpdateResult = 'ok' | 'not_member' | 'too_large' | 'rate_limited' | 'failed';

/**
 * Presence on one instance: which of its sockets hold which members and watch which groups, reading the
 * store (after each local change, and every `pollMs` for changes of other instances) and turning each new
 * list into join / leave / update events for the watchers. Reads of one group never overlap: changes
 * arriving during a read are picked up by one more read.
 */
export class PresenceHub {
  private readonly logger = new Logger('Streams');
  private readonly groups = new Map<string, PresenceGroup>();
  private readonly seats = new WeakMap<PresenceSocket, Map<string, Seat>>();
  private readonly budgets = new WeakMap<PresenceSocket, JoinRateLimiter>();
  private readonly poll: NodeJS.Timeout | null;

  constructor(
    private readonly store: PresenceStore,
    private readonly limits: PresenceLimits,
  ) {
    this.poll = store.pollMs === null ? null : setInterval(() => this.pollAll(), store.pollMs);
    this.poll?.unref();
  }

  /**
   * Seats a subscription that asked for presence: it watches the group and, given a member key (from the join
   * handler), holds that member. Resolves once the group's list includes it.
   */
  async enter(socket: PresenceSocket, subscriptionId: string, stream: string, group: string, mode: PresenceMode, member: { key: string; data: unknown } | null): Promise<PresenceEnterResult> {
    const g = this.groupOf(stream, group);
    const watcher: Watcher = { socket, subscriptionId, mode, live: false };
    g.watchers.add(watcher);
    const seat: Seat = { group: g, watcher, key: null };
    this.seatsOf(socket).set(subscriptionId, seat);
    let result: PresenceEnterResult = 'ok';
    if (member) {
      const held = g.local.get(member.key);
      if (held) {
        held.holders++;
        seat.key = member.key;
      } else {
        const record: PresenceRecord = { data: member.data ?? null, state: null, at: Date.now() };
        result = await this.store.put(stream, group, member.key, record, this.limits.maxMembersPerGroup).then(
          (ok) => (ok ? 'ok' : 'full'),
          () => 'failed' as const,
        );
        // The subscription may have been left while the write was in flight.
        if (result === 'ok' && this.seatsOf(socket).get(subscriptionId) === seat) {
          g.local.set(member.key, { holders: 1, record });
          seat.key = member.key;
        } else if (result === 'ok') await this.store.remove(stream, group, member.key).catch(() => undefined);
      }
    }
    await this.refresh(g);
    return result;
  }

  /** The list for the subscription's sync; from now on it gets the group's presence events. Synchronous on purpose. */
  snapshot(socket: PresenceSocket, subscriptionId: string): PresenceSnapshot | null {
    const seat = this.seats.get(socket)?.get(subscriptionId);
    if (!seat) return null;
    seat.watcher.live = true;
    return this.view(seat.group, seat.watcher.mode);
  }

  /** The subscription is gone (leave, replaced, socket closed): it stops watching and lets go of its member. */
  async exit(socket: PresenceSocket, subscriptionId: string): Promise<void> {
    const seats = this.seats.get(socket);
    const seat = seats?.get(subscriptionId);
    if (!seat) return;
    seats!.delete(subscriptionId);
    const g = seat.group;
    g.watchers.delete(seat.watcher);
    const held = seat.key === null ? undefined : g.local.get(seat.key);
    if (held && --held.holders === 0) {
      g.local.delete(seat.key!);
      await this.store.remove(g.stream, g.group, seat.key!).catch((error: unknown) => this.failed('remove', error));
      await this.refresh(g);
    }
    this.release(g);
  }

  /**
   * After a refresh: the join handlers may name another member for the subscription (the user changed): it
   * lets go of the old one and holds the new one, still watching (the others see a leave and a join).
   */
  async reseat(socket: PresenceSocket, subscriptionId: string, member: { key: string; data: unknown } | null): Promise<void> {
    const seat = this.seats.get(socket)?.get(subscriptionId);
    if (!seat || seat.key === (member?.key ?? null)) return;
    const { group: g, watcher } = seat;
    await this.exit(socket, subscriptionId);
    // Seated again with the same watcher: it stays live, so the change reaches it as events like everyone else's.
    await this.enter(socket, subscriptionId, g.stream, g.group, watcher.mode, member);
    const again = this.seats.get(socket)?.get(subscriptionId);
    if (again) again.watcher.live = true;
  }

  /** A client's own state for its member (e.g. `{ typing: true }`): bounded in size and rate per socket. */
  async update(socket: PresenceSocket, subscriptionId: string, state: unknown): Promise<PresenceUpdateResult> {
    const seat = this.seats.get(socket)?.get(subscriptionId);
    const held = seat?.key == null ? undefined : seat.group.local.get(seat.key);
    if (!seat || !held) return 'not_member';
    if (Buffer.byteLength(JSON.stringify(state ?? null)) > this.limits.maxStateBytes) return 'too_large';
    if (!this.budgetOf(socket).take()) return 'rate_limited';
    const g = seat.group;
    held.record = { ...held.record, state: state ?? null, at: Date.now() };
    const ok = await this.store.put(g.stream, g.group, seat.key!, held.record, Number.MAX_SAFE_INTEGER).then(
      () => true,
      () => false,
    );
    await this.refresh(g);
    return ok ? 'ok' : 'failed';
  }

  /** Read straight from the store: what `StreamsService.presence()` returns. */
  async members(stream: string, group: string): Promise<PresenceMember[]> {
    const read = await this.store.read(stream, group, null);
    return [...(read.members ?? [])].map(([key, r]) => ({ key, data: r.data, state: r.state }));
  }

  async close(): Promise<void> {
    if (this.poll) clearInterval(this.poll);
    await this.store.close();
  }

  private view(g: PresenceGroup, mode: PresenceMode): PresenceSnapshot {
    const count = g.members.size;
    if (mode === 'count' || count > this.limits.maxListedMembers) return { count };
    return { count, members: [...g.members.values()].map((m) => m.member) };
  }

  /** Reads the group until no change arrived during the read; resolves after a read that began after the call. */
  private refresh(g: PresenceGroup): Promise<void> {
    g.again = true;
    g.reading ??= this.readLoop(g).finally(() => (g.reading = null));
    return g.reading;
  }

  private async readLoop(g: PresenceGroup): Promise<void> {
    while (g.again) {
      g.again = false;
      let read: PresenceRead;
      try {
        read = await this.store.read(g.stream, g.group, g.version);
      } catch (error) {
        this.failed('read', error);
        return;
      }
      if (read.members) this.apply(g, read.members);
      g.version = read.version;
    }
  }

  /** Diffs the new list against the last one and tells each live watcher what changed. */
  private apply(g: PresenceGroup, records: Map<string, PresenceRecord>): void {
    const before = g.members;
    const after = new Map<string, { member: PresenceMember; json: string }>();
    for (const [key, r] of records) {
      const member = { key, data: r.data, state: r.state };
      after.set(key, { member, json: JSON.stringify(member) });
    }
    g.members = after;
    const events: object[] = [];
    for (const [key, m] of after) {
      const old = before.get(key);
      if (!old) events.push({ type: 'join', member: m.member });
      else if (old.json !== m.json) events.push({ type: 'update', member: m.member });
    }
    for (const [key, m] of before) if (!after.has(key)) events.push({ type: 'leave', member: m.member });
    if (events.length === 0) return;
    const { maxListedMembers } = this.limits;
    const listedBefore = before.size <= maxListedMembers;
    const listedAfter = after.size <= maxListedMembers;
    // Each event is encoded once per change, not once per watcher: only the subscription id differs.
    const count = after.size;
    const body = (event: object) => JSON.stringify({ streamName: g.stream, groupId: g.group, event, count }).slice(1);
    const bodies = listedAfter ? events.map(body) : [];
    let countBody: string | null = null;
    let listBody: string | null = null;
    for (const w of g.watchers) {
      if (!w.live) continue;
      const send = (rest: string) => w.socket.sendText(`{"type":"presence","subscriptionId":${JSON.stringify(w.subscriptionId)},${rest}`);
      if (w.mode === 'members' && listedBefore !== listedAfter) {
        // Crossing `maxListedMembers` either way: the whole view is replaced.
        send((listBody ??= body({ type: 'list', ...this.view(g, 'members') })));
      } else if (w.mode === 'members' && listedAfter) {
        for (const rest of bodies) send(rest);
      } else if (before.size !== after.size) {
        send((countBody ??= body({ type: 'count' })));
      }
    }
  }

  private pollAll(): void {
    for (const g of this.groups.values()) if (g.watchers.size > 0 && !g.reading) void this.refresh(g);
  }

  private groupOf(stream: string, group: string): PresenceGroup {
    const gk = groupKey(stream, group);
    let g = this.groups.get(gk);
    if (!g) {
      g = { stream, group, members: new Map(), version: null, watchers: new Set(), local: new Map(), reading: null, again: false };
      this.groups.set(gk, g);
    }
    return g;
  }

  /** A group nobody here watches or holds is forgotten (its next watcher reads it afresh). */
  private release(g: PresenceGroup): void {
    if (g.watchers.size > 0 || g.local.size > 0) return;
    const gk = groupKey(g.stream, g.group);
    if (this.groups.get(gk) === g) this.groups.delete(gk);
  }

  private seatsOf(socket: PresenceSocket): Map<string, Seat> {
    let seats = this.seats.get(socket);
    if (!seats) this.seats.set(socket, (seats = new Map()));
    return seats;
  }

  private budgetOf(socket: PresenceSocket): JoinRateLimiter {
    let budget = this.budgets.get(socket);
    const rate = this.limits.maxUpdatesPerSecond;
    if (!budget) this.budgets.set(socket, (budget = new JoinRateLimiter(rate, rate)));
    return budget;
  }

  private failed(what: string, error: unknown): void {
    this.logger.warn(`Presence ${what} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
