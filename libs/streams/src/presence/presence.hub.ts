import { Logger } from '@nestjs/common';
import { groupKey } from '../common/group.key';
import { TokenBucket } from '../common/token-bucket';
import type { PresenceMember } from 'nest-realtime-streams-protocol';
import type { PresenceChange, PresenceEntry, PresenceRecord, PresenceStore, StreamsPresenceOptions, PresenceListener } from './presence.types';

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

/** Where presence follows a group's changes: the streams hub, over the adapter's watch of the group. */
export interface PresenceCarrier {
  bindPresence(stream: string, group: string, listener: PresenceListener): Promise<void>;
  unbindPresence(stream: string, group: string, listener: PresenceListener): Promise<void>;
}

/** How a join asked for presence. */
export type PresenceMode = 'members' | 'count';

/** A member as last materialized, encoded once per change (not once per frame or per watcher). */
interface Member {
  record: PresenceRecord;
  member: PresenceMember;
  json: string;
}

/** A group's members by key at one moment; never mutated, so a watcher can keep the one it was sent. */
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
  listener: PresenceListener;
  /** Resolves once the group's changes reach this group; null when binding failed (the next read binds again). */
  bound: Promise<boolean> | null;
  /** Every instance's entries by member key, then instance: the store's state at `version`. */
  entries: Map<string, Map<string, PresenceRecord>>;
  /** The store's version of `entries`; null until the first read. */
  version: number | null;
  /** Changes heard while a read is under way, applied after it (those it already contains are skipped). */
  queued: PresenceChange[] | null;
  reading: Promise<void> | null;
  again: boolean;
  /** The next read takes the whole list (and the entries' expiry), even if the version did not move. */
  full: boolean;
  /** The members as last materialized from `entries`; `outdated` once entries changed since. */
  members: View;
  outdated: boolean;
  /** When each other instance's entries here expire at the earliest (local clock), unless it refreshes them. */
  expiries: Map<string, number>;
  expiry: { at: number; timer: NodeJS.Timeout } | null;
  watchers: Set<Watcher>;
  local: Map<string, Held>;
  /** The window: no frame goes out before `flushAt`; changes meanwhile wait for `timer`. */
  flushAt: number;
  timer: NodeJS.Timeout | null;
}

/** Shortest interval between two frames of one group to one watcher (at most 20 a second). */
const FLUSH_MS = 50;
/** Groups a consistency sweep checks at most, one version check each; the next sweep goes on from there. */
const SWEEP_BATCH = 1000;
/** An expiry is checked this long after it is due, so the store (on the Redis clock) has passed it too. */
const EXPIRY_SLACK_MS = 20;

export type PresenceEnterResult = 'ok' | 'full' | 'failed';
export type PresenceUpdateResult = 'ok' | 'not_member' | 'too_large' | 'rate_limited' | 'failed';

/**
 * Presence on one instance: which of its sockets hold which members and watch which groups. A group's state
 * is read from the store once (the first watcher here) and then kept by the changes every store write
 * publishes, heard through the streams hub (the adapter's watch of the group) or returned by this
 * instance's own writes; a change that does not follow the version held, or a renewed subscription,
 * makes it read again. Nothing polls: on a shared store a slow sweep (`adapter.presence.sweepIntervalMs`, bounded) checks each
 * group's version to repair what a lost message missed, and the instance reads a group when another
 * instance's entries there are due to expire (it stopped refreshing them), which drops them and publishes
 * their leave to every instance.
 *
 * Watchers hear of changes coalesced per group: frames go out at most once per window (`FLUSH_MS`, widened
 * to keep each watcher under `bytesPerSecond`), each carrying every change since the list the watcher has,
 * latest state per member.
 */
export class PresenceHub {
  private readonly logger = new Logger('Streams');
  private readonly groups = new Map<string, PresenceGroup>();
  private readonly sweep: NodeJS.Timeout | null;
  private swept = 0;

  constructor(
    private readonly store: PresenceStore,
    private readonly carrier: PresenceCarrier,
    private readonly limits: Required<StreamsPresenceOptions>,
  ) {
    this.sweep = store.sweepMs === null ? null : setInterval(() => this.sweepSome(), store.sweepMs);
    this.sweep?.unref();
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
    if (g.reading) await g.reading;
    return result;
  }

  /** The list for the subscription's sync; from now on it gets the group's presence frames. Synchronous on purpose. */
  snapshot(socket: PresenceSocket, subscriptionId: string): PresenceSnapshot | null {
    const seat = socket.presence?.seats.get(subscriptionId);
    if (!seat) return null;
    seat.watcher.seen = this.materialize(seat.group);
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
    await this.release(seat.group);
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
    try {
      const change = await this.store.put(g.stream, g.group, seat.key!, held.record, Number.MAX_SAFE_INTEGER);
      if (change) this.heard(g, change);
      return 'ok';
    } catch {
      return 'failed';
    }
  }

  /** Read straight from the store: what `StreamsService.presence()` returns. */
  async members(stream: string, group: string): Promise<PresenceMember[]> {
    const { entries } = await this.store.read(stream, group, null);
    return [...byKey(entries ?? [])].map(([key, records]) => {
      const r = latest(records);
      return { key, data: r.data, state: r.state };
    });
  }

  async close(): Promise<void> {
    if (this.sweep) clearInterval(this.sweep);
    for (const g of this.groups.values()) this.stopTimers(g);
    // A read under way finds its group gone and changes nothing.
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
        (change) => {
          if (!change) return 'full' as const;
          this.heard(g, change);
          return 'ok' as const;
        },
        () => 'failed' as const,
      );
      g.local.set(member.key, (held = { holders: 0, record, stored }));
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
    const change = await this.store.remove(g.stream, g.group, key!).catch((error: unknown) => this.failed('remove', error));
    if (change) this.heard(g, change);
  }

  /** A change of the group, published by a write here or on another instance (perhaps heard twice: the version tells). */
  private heard(g: PresenceGroup, change: PresenceChange): void {
    if (this.groups.get(groupKey(g.stream, g.group)) !== g) return;
    this.expiresLater(g, change);
    if (g.queued) g.queued.push(change);
    else this.apply(g, change);
  }

  /** Applies a change that follows the version held; one already contained is skipped; a gap means a read. */
  private apply(g: PresenceGroup, c: PresenceChange): void {
    if (g.version === null || c.version <= g.version) return;
    if (c.prev !== g.version) return void this.refresh(g);
    for (const { instance, key } of c.removed) {
      const records = g.entries.get(key);
      if (records?.delete(instance) && records.size === 0) g.entries.delete(key);
    }
    for (const { instance, key, record } of c.set) {
      let records = g.entries.get(key);
      if (!records) g.entries.set(key, (records = new Map()));
      records.set(instance, record);
    }
    g.version = c.version;
    this.outdate(g);
  }

  /**
   * Reads the group until nothing asks for another read; resolves after a read that began after the call.
   * Changes heard meanwhile wait and follow the read.
   */
  private refresh(g: PresenceGroup, full = false): Promise<void> {
    g.again = true;
    g.full ||= full;
    return (g.reading ??= this.readLoop(g));
  }

  private async readLoop(g: PresenceGroup): Promise<void> {
    g.queued ??= [];
    try {
      while (g.again) {
        g.again = false;
        // Bound first: no change published after the read may pass unheard.
        if (!(await (g.bound ??= this.bind(g)))) return;
        const full = g.full;
        g.full = false;
        const read = await this.store.read(g.stream, g.group, full ? null : g.version);
        if (this.groups.get(groupKey(g.stream, g.group)) !== g) return;
        // Version 0: the store holds nothing of the group (never written, or its keys expired): it is empty.
        if (read.entries && (g.version === null || read.version > g.version || read.version === 0)) {
          g.entries = byKey(read.entries);
          g.version = read.version;
          this.outdate(g);
        }
        if (read.entries) this.expiresAt(g, read.entries);
        const queued = g.queued;
        g.queued = [];
        for (const change of queued) this.apply(g, change);
      }
    } catch (error) {
      this.failed('read', error);
    } finally {
      // Over (a gap found from here on starts another read); after a failed read the changes still apply
      // where they follow, and the sweep reads the group again.
      const queued = g.queued ?? [];
      g.queued = g.reading = null;
      for (const change of queued) this.apply(g, change);
    }
  }

  /** Binds the group's changes to it; false (logged) when the adapter cannot deliver them now (the next read tries again). */
  private async bind(g: PresenceGroup): Promise<boolean> {
    try {
      await this.carrier.bindPresence(g.stream, g.group, g.listener);
      return true;
    } catch (error) {
      g.bound = null;
      this.failed('subscribe', error);
      return false;
    }
  }

  /** From a read: when each other instance's entries expire (its earliest one). */
  private expiresAt(g: PresenceGroup, entries: PresenceEntry[]): void {
    g.expiries.clear();
    const now = Date.now();
    for (const { instance, expiresInMs } of entries) {
      if (instance === this.store.instance || expiresInMs === undefined) continue;
      const at = now + expiresInMs;
      if (!(at >= (g.expiries.get(instance) ?? Infinity))) g.expiries.set(instance, at);
    }
    this.armExpiry(g);
  }

  /** From a change: the writer's entries it wrote (all of them, for a keep-alive) expire `ttlMs` from now. */
  private expiresLater(g: PresenceGroup, c: PresenceChange): void {
    if (c.instance === '' || c.instance === this.store.instance || (c.set.length === 0 && !c.refreshed)) return;
    if (!c.refreshed && g.expiries.has(c.instance)) return;
    g.expiries.set(c.instance, Date.now() + c.ttlMs);
    this.armExpiry(g);
  }

  /** A timer for the earliest expiry; one due earlier than an expiry that moved later just finds it moved. */
  private armExpiry(g: PresenceGroup): void {
    if (g.expiries.size === 0) return;
    const at = Math.min(...g.expiries.values()) + EXPIRY_SLACK_MS;
    if (g.expiry && g.expiry.at <= at) return;
    if (g.expiry) clearTimeout(g.expiry.timer);
    const timer = setTimeout(() => this.expire(g), Math.max(0, at - Date.now()));
    timer.unref();
    g.expiry = { at, timer };
  }

  /** An instance stopped refreshing its entries here: reading the group drops them and publishes their leave. */
  private expire(g: PresenceGroup): void {
    g.expiry = null;
    const holding = new Set<string>();
    for (const records of g.entries.values()) for (const instance of records.keys()) holding.add(instance);
    for (const instance of g.expiries.keys()) if (!holding.has(instance)) g.expiries.delete(instance);
    if (g.expiries.size === 0) return;
    if (Math.min(...g.expiries.values()) + EXPIRY_SLACK_MS > Date.now()) return this.armExpiry(g);
    void this.refresh(g, true);
  }

  /** The consistency sweep: a version check of the next groups (a read only where it moved unheard). */
  private sweepSome(): void {
    const groups = [...this.groups.values()];
    if (groups.length === 0) return;
    const from = this.swept % groups.length;
    const batch = groups.slice(from, from + SWEEP_BATCH);
    this.swept = from + batch.length;
    for (const g of batch) if (!g.reading) void this.refresh(g);
  }

  /** The entries changed: the members are rebuilt when next needed, and the watchers hear of it in the next window. */
  private outdate(g: PresenceGroup): void {
    g.outdated = true;
    if (g.watchers.size > 0 && !g.timer) {
      g.timer = setTimeout(() => this.flush(g), Math.max(0, g.flushAt - Date.now()));
      g.timer.unref();
    }
  }

  /** The members now: per key, the entry written last; a member whose record did not change keeps its encoding. */
  private materialize(g: PresenceGroup): View {
    if (!g.outdated) return g.members;
    g.outdated = false;
    const after = new Map<string, Member>();
    for (const [key, records] of g.entries) {
      const record = latest(records);
      const known = g.members.get(key);
      if (known?.record === record) after.set(key, known);
      else {
        const member = { key, data: record.data, state: record.state };
        after.set(key, { record, member, json: JSON.stringify(member) });
      }
    }
    return (g.members = after);
  }

  private view(g: PresenceGroup, mode: PresenceMode): PresenceSnapshot {
    const count = g.members.size;
    if (mode === 'count' || count > this.limits.maxListedMembers) return { count };
    return { count, members: [...g.members.values()].map((m) => m.member) };
  }

  /** Sends each live watcher what changed since the list it has. */
  private flush(g: PresenceGroup): void {
    g.timer = null;
    if (this.groups.get(groupKey(g.stream, g.group)) !== g) return;
    this.materialize(g);
    const bytes = this.send(g);
    // Each watcher got at most `bytes`: the next frame waits until the budget has paid for them.
    if (bytes > 0) g.flushAt = Date.now() + Math.max(FLUSH_MS, (bytes * 1000) / this.limits.bytesPerSecond);
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

  /** The group as followed here; a new one is bound to its changes and read once. */
  private groupOf(stream: string, group: string): PresenceGroup {
    const gk = groupKey(stream, group);
    let g = this.groups.get(gk);
    if (g) return g;
    const listener: PresenceListener = { changed: (change) => this.heard(created, change), lost: () => void this.refresh(created) };
    const created: PresenceGroup = {
      stream,
      group,
      listener,
      bound: null,
      entries: new Map(),
      version: null,
      queued: null,
      reading: null,
      again: false,
      full: false,
      members: new Map(),
      outdated: false,
      expiries: new Map(),
      expiry: null,
      watchers: new Set(),
      local: new Map(),
      flushAt: 0,
      timer: null,
    };
    this.groups.set(gk, (g = created));
    void this.refresh(g);
    return g;
  }

  /** A group nobody here watches or holds is forgotten (its next watcher reads it afresh). */
  private async release(g: PresenceGroup): Promise<void> {
    if (g.watchers.size > 0 || g.local.size > 0) return;
    const gk = groupKey(g.stream, g.group);
    if (this.groups.get(gk) !== g) return;
    this.groups.delete(gk);
    this.stopTimers(g);
    await this.carrier.unbindPresence(g.stream, g.group, g.listener);
  }

  private stopTimers(g: PresenceGroup): void {
    if (g.timer) clearTimeout(g.timer);
    if (g.expiry) clearTimeout(g.expiry.timer);
    g.timer = g.expiry = null;
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

/** Entries grouped by member key, then instance. */
function byKey(entries: readonly PresenceEntry[]): Map<string, Map<string, PresenceRecord>> {
  const keys = new Map<string, Map<string, PresenceRecord>>();
  for (const { instance, key, record } of entries) {
    let records = keys.get(key);
    if (!records) keys.set(key, (records = new Map()));
    records.set(instance, record);
  }
  return keys;
}

/** One member per key across instances: the entry written last wins. */
function latest(records: ReadonlyMap<string, PresenceRecord>): PresenceRecord {
  let best: PresenceRecord | null = null;
  for (const record of records.values()) if (!best || record.at > best.at) best = record;
  return best!;
}
