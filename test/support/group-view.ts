import type { Frame } from './ws-client';

/** Values written by fault tests carry their own id, so a group `sync` (an array of values) can be keyed. */
export interface Keyed {
  id: string;
}

/**
 * What a client that applies frames as the protocol says holds for one group: a `sync` replaces the view,
 * `create`/`update` set the item, `delete` removes it. Also counts the syncs flagged `continuityLost`.
 */
export function groupView(frames: readonly Frame[], stream: string, group: string): { items: Map<string, unknown>; continuityLost: number } {
  const items = new Map<string, unknown>();
  let continuityLost = 0;
  for (const frame of frames) {
    if (frame.type !== 'stream' || frame.streamName !== stream || frame.groupId !== group || !frame.event) continue;
    const { type, data } = frame.event;
    // A sync with an item id answers an item subscription of the same socket: not the group's state.
    if (type === 'sync' && frame.id !== null) continue;
    if (type === 'sync') {
      items.clear();
      for (const value of data as Keyed[]) items.set(value.id, value);
      if (frame.event.continuityLost) continuityLost++;
    } else if (type === 'create' || type === 'update') items.set(frame.id!, data);
    else if (type === 'delete') items.delete(frame.id!);
  }
  return { items, continuityLost };
}

/** A group's stored items, keyed the same way. */
export function keyedState(values: readonly unknown[]): Map<string, unknown> {
  return new Map((values as Keyed[]).map((v) => [v.id, v]));
}
