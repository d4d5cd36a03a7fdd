import type { PresenceFrame, PresenceSnapshot, ResumedFrame, SubscriptionRequest } from 'nest-realtime-streams-protocol';
import { PresenceMirror, presenceChanges } from './presence.mirror';
import { type ChangeVersions, SubscriptionChannel } from './subscription.channel';

export type GroupChange<T> =
  | { type: 'sync'; timestamp: number }
  | { type: 'create' | 'update'; id: string; value: T; timestamp: number }
  /** `value` is the removed value. */
  | { type: 'delete'; id: string; value: T; timestamp: number }
  /** The client's pending mutations changed the view (`items`): applied, rebased, settled or rolled back. */
  | { type: 'optimistic'; timestamp: number };

/** What lays the client's pending mutations over a group's mirror (the client's MutationQueue). */
export interface OptimisticLayers {
  view<T>(streamName: string, groupId: string, base: ReadonlyMap<string, T>): ReadonlyMap<string, T>;
  isPending(streamName: string, groupId: string, itemId: string): boolean;
}

/** Extracts an item's id from its value; `undefined` when it has none. */
export type IdExtractor<T> = (value: T) => string | undefined;

/** A group subscription's mirror: item id → value, in server order (sync order, then creation order). */
export class GroupChannel<T> extends SubscriptionChannel<GroupChange<T>> {
  readonly items = new Map<string, T>();
  /** Each item's version (SPEC §8), for items whose frames carried one (null: unknown). */
  readonly versions = new Map<string, string | null>();
  /** The group's presence, when the subscription asked for it. */
  readonly presence: PresenceMirror | null;
  /** This client's own presence state, sent again after every (re)join: the server starts each member at null. */
  private ownState: { value: unknown } | null = null;
  /** The client's pending mutations, laid over `items` by `view()` (set by the client). */
  layers: OptimisticLayers | null = null;
  /** Sends a message on the client's live socket (set by the client). */
  outbox: ((message: { type: 'presence'; data: { subscriptionId: string; state: unknown } }) => void) | null = null;

  constructor(
    subscriptionId: string,
    streamName: string,
    groupId: string,
    private readonly idOf: IdExtractor<T>,
    private readonly presenceMode: true | 'count' | undefined = undefined,
    deltas = false,
  ) {
    super(subscriptionId, streamName, groupId, undefined, deltas);
    this.presence = presenceMode ? new PresenceMirror() : null;
  }

  protected override request(): SubscriptionRequest {
    const request = super.request();
    if (this.presenceMode) request.presence = this.presenceMode;
    return request;
  }

  /** The mirror with the pending mutations' optimistic changes on top: what the UI shows. */
  view(): ReadonlyMap<string, T> {
    return this.layers ? this.layers.view(this.streamName, this.groupId, this.items) : this.items;
  }

  /** The pending mutations' layers over this group changed. */
  optimisticChanged(): void {
    this.changes.emit('change', { type: 'optimistic', timestamp: Date.now() });
  }

  /** Sets this client's presence state (e.g. `{ typing: true }`); kept and sent again after a reconnect. */
  setPresence(state: unknown): void {
    this.ownState = { value: state };
    if (this.synced) this.outbox?.({ type: 'presence', data: { subscriptionId: this.subscriptionId, state } });
  }

  receivePresence(frame: PresenceFrame): void {
    if (!this.presence) return;
    this.presence.apply(frame.event, frame.count);
    // Listeners hear each member's change, whether it came alone or coalesced with others.
    for (const change of presenceChanges(frame.event)) this.changes.emit('presence', change);
  }

  protected override presenceReset(snapshot: PresenceSnapshot): void {
    if (!this.presence) return;
    this.presence.reset(snapshot);
    this.changes.emit('presence', { type: 'list', ...snapshot });
    if (this.ownState) this.outbox?.({ type: 'presence', data: { subscriptionId: this.subscriptionId, state: this.ownState.value } });
  }

  protected apply(type: GroupChange<T>['type'], id: string | null, data: unknown, timestamp: number, versions: ChangeVersions): void {
    if (type === 'sync') {
      // A fresh sync replaces the mirror, so items deleted while disconnected disappear. A delta subscription's
      // sync names each value's item id and version; a plain one carries bare values, whose id is read from inside.
      this.items.clear();
      this.versions.clear();
      const values = Array.isArray(data) ? (data as T[]) : [];
      const listed = versions.items?.length === values.length ? versions.items : undefined;
      values.forEach((value, i) => {
        const key = listed ? listed[i].id : this.idOf(value);
        if (key === undefined) return;
        this.items.set(key, value);
        this.versions.set(key, listed ? listed[i].version : null);
      });
      this.changes.emit('change', { type, timestamp });
      return;
    }
    if (id === null) return;
    const value = data as T;
    if (type === 'delete') {
      this.items.delete(id);
      this.versions.delete(id);
    } else {
      this.items.set(id, value);
      this.versions.set(id, versions.version);
    }
    this.changes.emit('change', { type, id, value, timestamp });
  }

  protected holds({ items }: ResumedFrame): boolean {
    if (!items) return true;
    return items.length === this.versions.size && items.every(({ id, version }) => this.versions.get(id) === version);
  }

  protected versionOf(id: string): string | null | undefined {
    return this.versions.get(id);
  }

  protected valueOf(id: string): { value: unknown } | undefined {
    return this.items.has(id) ? { value: this.items.get(id) } : undefined;
  }

  protected clear(): void {
    this.items.clear();
    this.versions.clear();
    this.presence?.clear();
  }
}

/** `idField` option → extractor: a property name (string or number values) or a function. */
export function idExtractor<T>(idField: string | IdExtractor<T>): IdExtractor<T> {
  if (typeof idField === 'function') return idField;
  return (value) => {
    if (typeof value !== 'object' || value === null) return undefined;
    const id = (value as Record<string, unknown>)[idField];
    return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
  };
}
