import type { Frame } from './ws-client';

/** Values written by fault tests carry their own id, so a group `sync` (an array of values) can be keyed. */
export interface Keyed {
  id: string;
}

/** A frame's `position` (`<epoch>:<seq>`), or null when it carries none. */
function position(frame: Frame): { epoch: string; seq: number } | null {
  const at = frame.position?.lastIndexOf(':') ?? -1;
  return at < 0 ? null : { epoch: frame.position!.slice(0, at), seq: Number(frame.position!.slice(at + 1)) };
}

/**
 * What a client that applies frames as the protocol says holds for one group: a `sync` replaces the view,
 * `create`/`update` set the item, `delete` removes it. Also counts the syncs flagged `continuityLost`, and
 * the `strays`: live frames applied to a view they do not follow. Every event of a group advances its
 * position by one, so after a group `sync` at E:S a client that got every event sees E:S+1, E:S+2, ...
 * until the next `sync`; a frame of another history or past a gap turns the view into a state the group
 * never was in (SPEC §7.9: the client must have been re-synced first).
 */
export function groupView(frames: readonly Frame[], stream: string, group: string): { items: Map<string, unknown>; continuityLost: number; strays: number } {
  const items = new Map<string, unknown>();
  let continuityLost = 0;
  let strays = 0;
  let at: { epoch: string; seq: number } | null = null;
  for (const frame of frames) {
    if (frame.type !== 'stream' || frame.streamName !== stream || frame.groupId !== group || !frame.event) continue;
    const { type, data } = frame.event;
    // A sync with an item id answers an item subscription of the same socket: not the group's state.
    if (type === 'sync' && frame.id !== null) continue;
    const next = position(frame);
    if (type !== 'sync' && at && !(next && next.epoch === at.epoch && next.seq === at.seq + 1)) strays++;
    at = next;
    if (type === 'sync') {
      items.clear();
      for (const value of data as Keyed[]) items.set(value.id, value);
      if (frame.event.continuityLost) continuityLost++;
    } else if (type === 'create' || type === 'update') items.set(frame.id!, data);
    else if (type === 'delete') items.delete(frame.id!);
  }
  return { items, continuityLost, strays };
}

/** A group's stored items, keyed the same way. */
export function keyedState(values: readonly unknown[]): Map<string, unknown> {
  return new Map((values as Keyed[]).map((v) => [v.id, v]));
}
