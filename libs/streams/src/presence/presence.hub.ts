import { Logger } from '@nestjs/common';
import { groupKey } from '../adapters/group.key';
import { TokenBucket } from '../common/token-bucket';
import type { PresenceMember, PresenceRead, PresenceRecord, PresenceStore, StreamsPresenceOptions } from './presence.types';

/** What a socket gets in its `sync` (and `resumed`) when it asked for presence. */
export interface PresenceSnapshot {
  count: number;
  /** Absent in counts-only mode (asked with `presence: 'count'`, or the group is past `maxListedMembers`). */
  members?: PresenceMember[];
}

/** A socket as presence sees it: where frames go (JSON text), and the slot where its presence state lives. */
export interface PresenceSocket {
  sendText(json: string): void;
  /** Set by the hub at the socket's first presence seat (the socket's session owns it); null until then. */
  presence: PresenceSeats | null;
}

/** A socket's presence state: its seats by subscription id, and its update budget once it sent an update. */
export interface PresenceSeats {
  readonly seats: Map<string, Seat>;
  budget: TokenBucket | null;
}

/** How a join asked for presence. */
export type PresenceMode = 'members' | 'count';

/** A member as last read, encoded once per change (not once per read or per watcher). */
interface Member {
  record: PresenceRecord;
  member: PresenceMember;
  json: string;
}

/** A group's members by key, as read at one moment; never mutated, so a watcher can keep the one it was sent. */
type View = ReadonlyMap<string, Member>;

interface Watcher {
  socket: PresenceSocket;
  subscriptionId: string;
  mode: PresenceMode;
  /** The list the client has (from its sync, then from each frame); null until its sync carried one. */
  seen: View | null;
}

/** A member this instance holds: how many of its subscriptions hold it, and the entry written for it. */
interface Held {
  holders: number;
  record: PresenceRecord;
  /** The first write of the entry: the holders that arrive while it is in flight share its outcome. */
  stored: Promise<PresenceEnterResult>;
}

export interface Seat {
  group: PresenceGroup;
  watcher: Watcher;
  /** The member this subscription holds, null when it only watches. */
  key: string | null;
  held: Held | null;
}

interface PresenceGroup {
  stream: string;
  group: string;
  /** The members as last read. */
  members: View;
  version: string | null;
  watchers: Set<Watcher>;
  local: Map<string, Held>;
  reading: Promise<void> | null;
  again: boolean;
  /** The window: no frame goes out before `flushAt`; changes meanwhile wait for `timer`, marked `dirty`. */
  flushAt: number;
  timer: NodeJS.Timeout | null;
  flushing: boolean;
  dirty: boolean;
}

/** Shortest interval between two frames of one group to one watcher (at most 20 a second). */
const FLUSH_MS = 50;

export type PresenceEnterResult = 'ok' | 'full' | 'failed';
export type PresenceUpdateResult = 'ok' | 'not_member' | 'too_large' | 'rate_limited' | 'failed';

/**
 * Presence on one instance: which of its sockets hold which members and watch which groups, reading the
 * store (after each local change, and every `pollMs` for changes of other instances) and telling the watchers
 * what changed. Changes are coalesced per group: frames go out at most once per window (`FLUSH_MS`, widened
 * to keep each watcher under `bytesPerSecond`), each carrying every change since the list the watcher
 * has, latest state per member. Reads of one group never overlap: changes arriving during a read are picked
 * up by one more read.
 */
export class PresenceHub {
  private readonly logger = new Logger('Streams');
  private readonly groups = new Map<string, PresenceGroup>();
  private readonly poll: NodeJS.Timeout | null;

  constructor(
    private readonly store: PresenceStore,
    private readonly limits: Required<StreamsPresenceOptions>,
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
    const watcher: Watcher = { socket, subscriptionId, mode, seen: null };
    g.watchers.add(watcher);
    const seat: Seat = { group: g, watcher, key: null, held: null };
    this.seatsOf(socket).set(subscriptionId, seat);
    const result = member ? await this.hold(seat, member) : 'ok';
    const before = g.members;
    await this.refresh(g);
    // The read may have brought changes the other watchers have not heard of yet.
    if (g.members !== before) this.changed(g);
    return result;
  }

  /** The list for the subscription's sync; from now on it gets the group's presence frames. Synchronous on purpose. */
  snapshot(socket: PresenceSocket, subscriptionId: string): PresenceSnapshot | null {
    const seat = socket.presence?.seats.get(subscriptionId);
    if (!seat) return null;
    seat.watcher.seen = seat.group.members;
    return this.view(seat.group, seat.watcher.mode);
  }

  /** The subscription is gone (leave, replaced, socket closed): it stops watching at once and lets go of its member. */
  async exit(socket: PresenceSocket, subscriptionId: string): Promise<void> {
    const seats = socket.presence?.seats;
    const seat = seats?.get(subscriptionId);
    if (!seat) return;
    seats!.delete(subscriptionId);
    seat.group.watchers.delete(seat.watcher);
    await this.letGo(seat);
    this.release(seat.group);
  }

  /**
   * After a refresh: the join handlers may name another member for the subscription (the user changed): it
   * lets go of the old one and holds the new one, still watching, so it hears the same leave and join as
   * everyone else.
   */
  async reseat(socket: PresenceSocket, subscriptionId: string, member: { key: string; data: unknown } | null): Promise<void> {
    const seat = socket.presence?.seats.get(subscriptionId);
    if (!seat || seat.key === (member?.key ?? null)) return;
    await this.letGo(seat);
    if (member) await this.hold(seat, member);
  }

  /** A client's own state for its member (e.g. `{ typing: true }`): bounded in size and rate per socket. */
  async update(socket: PresenceSocket, subscriptionId: string, state: unknown): Promise<PresenceUpdateResult> {
    const seat = socket.presence?.seats.get(subscriptionId);
    const held = seat?.held;
    // A member still being written is held once that write succeeded (a refused one holds nothing).
    if (!seat || !held || (await held.stored) !== 'ok' || seat.held !== held) return 'not_member';
    if (Buffer.byteLength(JSON.stringify(state ?? null)) > this.limits.maxStateBytes) return 'too_large';
    if (!this.budgetOf(socket).take()) return 'rate_limited';
    const g = seat.group;
    held.record = { ...held.record, state: state ?? null, at: Date.now() };
    const ok = await this.store.put(g.stream, g.group, seat.key!, held.record, Number.MAX_SAFE_INTEGER).then(
      () => true,
      () => false,
    );
    this.changed(g);
    return ok ? 'ok' : 'failed';
  }

  /** Read straight from the store: what `StreamsService.presence()` returns. */
  async members(stream: string, group: string): Promise<PresenceMember[]> {
    const read = await this.store.read(stream, group, null);
    return [...(read.members ?? [])].map(([key, r]) => ({ key, data: r.data, state: r.state }));
  }

  async close(): Promise<void> {
    if (this.poll) clearInterval(this.poll);
    for (const g of this.groups.values()) if (g.timer) clearTimeout(g.timer);
    // A flush under way finds its group gone and schedules no other.
    this.groups.clear();
    await this.store.close();
  }

  /**
   * The seat holds `member`, counted before the write is awaited: a second socket of the same user arriving
   * meanwhile shares this write (and its outcome) instead of being overwritten by it.
   */
  private async hold(seat: Seat, member: { key: string; data: unknown }): Promise<PresenceEnterResult> {
    const g = seat.group;
    let held = g.local.get(member.key);
    if (!held) {
      const record: PresenceRecord = { data: member.data ?? null, state: null, at: Date.now() };
      const stored = this.store.put(g.stream, g.group, member.key, record, this.limits.maxMembersPerGroup).then(
        (ok) => (ok ? 'ok' : 'full'),
        () => 'failed' as const,
      );
      g.local.set(member.key, (held = { holders: 0, record, stored }));
      void stored.then(() => this.changed(g));
    }
    held.holders++;
    seat.key = member.key;
    seat.held = held;
    const result = await held.stored;
    if (result !== 'ok' && seat.held === held) {
      seat.key = seat.held = null;
      if (g.local.get(member.key) === held) g.local.delete(member.key);
    }
    return result;
  }

  /** The seat stops holding its member; the member leaves with the last of its holders here. */
  private async letGo(seat: Seat): Promise<void> {
    const { group: g, key, held } = seat;
    seat.key = seat.held = null;
    if (!held || --held.holders > 0 || g.local.get(key!) !== held) return;
    g.local.delete(key!);
    await this.store.remove(g.stream, g.group, key!).catch((error: unknown) => this.failed('remove', error));
    this.changed(g);
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
        read = await this.store.read(g.stream, g.group, g.version, (key) => g.members.get(key)?.record);
      } catch (error) {
        this.failed('read', error);
        return;
      }
      if (read.members) g.members = this.remember(g.members, read.members);
      g.version = read.version;
    }
  }

  /** The new list; a member whose record is the one read before keeps its encoding. */
  private remember(before: View, records: Map<string, PresenceRecord>): View {
    const after = new Map<string, Member>();
    for (const [key, record] of records) {
      const known = before.get(key);
      if (known?.record === record) after.set(key, known);
      else {
        const member = { key, data: record.data, state: record.state };
        after.set(key, { record, member, json: JSON.stringify(member) });
      }
    }
    return after;
  }

  /** Something changed in the group (here, or perhaps on another instance): its watchers hear of it in its next window. */
  private changed(stale: PresenceGroup): void {
    // The group may have been forgotten and seated again meanwhile: the live one is told.
    const g = this.groups.get(groupKey(stale.stream, stale.group));
    if (!g || g.watchers.size === 0) return;
    g.dirty = true;
    if (!g.timer && !g.flushing) this.schedule(g);
  }

  private schedule(g: PresenceGroup): void {
    g.timer = setTimeout(() => void this.flush(g), Math.max(0, g.flushAt - Date.now()));
    g.timer.unref();
  }

  /** Reads the group and sends each live watcher what changed since the list it has. */
  private async flush(g: PresenceGroup): Promise<void> {
    g.timer = null;
    g.flushing = true;
    g.dirty = false;
    await this.refresh(g);
    const bytes = this.send(g);
    // Each watcher got at most `bytes`: the next frame waits until the budget has paid for them.
    if (bytes > 0) g.flushAt = Date.now() + Math.max(FLUSH_MS, (bytes * 1000) / this.limits.bytesPerSecond);
    g.flushing = false;
    if (g.dirty) this.changed(g);
  }

  /** One frame per live watcher whose list is behind; returns the largest, in bytes. */
  private send(g: PresenceGroup): number {
    const now = g.members;
    // Watchers are behind by one of a few lists (most share the one of the last flush): one frame body each.
    const bodies = new Map<View, Map<PresenceMode, { text: string; bytes: number } | null>>();
    let largest = 0;
    for (const w of g.watchers) {
      const seen = w.seen;
      if (seen === null || seen === now) continue;
      w.seen = now;
      let byMode = bodies.get(seen);
      if (!byMode) bodies.set(seen, (byMode = new Map()));
      let body = byMode.get(w.mode);
      if (body === undefined) {
        const text = this.body(g, seen, w.mode);
        byMode.set(w.mode, (body = text === null ? null : { text, bytes: Buffer.byteLength(text) }));
      }
      if (body === null) continue;
      const head = `{"type":"presence","subscriptionId":${JSON.stringify(w.subscriptionId)},`;
      w.socket.sendText(head + body.text);
      largest = Math.max(largest, head.length + body.bytes);
    }
    return largest;
  }

  /** What a watcher with the list `seen` is told about the group now (after `"subscriptionId":…,`), or null for nothing. */
  private body(g: PresenceGroup, seen: View, mode: PresenceMode): string | null {
    const now = g.members;
    const { maxListedMembers } = this.limits;
    const listedBefore = seen.size <= maxListedMembers;
    const listedAfter = now.size <= maxListedMembers;
    const frame = (event: string) => `${JSON.stringify({ streamName: g.stream, groupId: g.group }).slice(1, -1)},"event":${event},"count":${now.size}}`;
    if (mode === 'members' && listedBefore !== listedAfter) {
      // Crossing `maxListedMembers` either way: the whole view is replaced.
      return frame(JSON.stringify({ type: 'list', ...this.view(g, 'members') }));
    }
    if (mode === 'members' && listedAfter) {
      const events: string[] = [];
      for (const [key, m] of now) {
        const old = seen.get(key);
        if (!old) events.push(`{"type":"join","member":${m.json}}`);
        else if (old !== m && old.json !== m.json) events.push(`{"type":"update","member":${m.json}}`);
      }
      for (const [key, m] of seen) if (!now.has(key)) events.push(`{"type":"leave","member":${m.json}}`);
      if (events.length === 0) return null;
      return frame(events.length === 1 ? events[0] : `{"type":"changes","events":[${events.join(',')}]}`);
    }
    return seen.size === now.size ? null : frame('{"type":"count"}');
  }

  private pollAll(): void {
    for (const g of this.groups.values()) this.changed(g);
  }

  private groupOf(stream: string, group: string): PresenceGroup {
    const gk = groupKey(stream, group);
    let g = this.groups.get(gk);
    if (!g) {
      g = { stream, group, members: new Map(), version: null, watchers: new Set(), local: new Map(), reading: null, again: false, flushAt: 0, timer: null, flushing: false, dirty: false };
      this.groups.set(gk, g);
    }
    return g;
  }

  /** A group nobody here watches or holds is forgotten (its next watcher reads it afresh). */
  private release(g: PresenceGroup): void {
    if (g.watchers.size > 0 || g.local.size > 0) return;
    const gk = groupKey(g.stream, g.group);
    if (this.groups.get(gk) !== g) return;
    this.groups.delete(gk);
    if (g.timer) clearTimeout(g.timer);
  }

  private seatsOf(socket: PresenceSocket): Map<string, Seat> {
    return (socket.presence ??= { seats: new Map(), budget: null }).seats;
  }

  private budgetOf(socket: PresenceSocket): TokenBucket {
    const rate = this.limits.updatesPerSecond;
    // A burst of a second's worth, and at least one update (a fractional rate would otherwise allow none).
    return ((socket.presence ??= { seats: new Map(), budget: null }).budget ??= new TokenBucket(Math.max(1, rate), rate));
  }

  private failed(what: string, error: unknown): void {
    this.logger.warn(`Presence ${what} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
