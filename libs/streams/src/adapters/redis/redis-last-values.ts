import { groupKey } from '../../common/group.key';

/** The most value bytes (JSON characters) the cache holds, all items together. */
export const LAST_VALUES_MAX_BYTES = 8 * 1024 * 1024;
/** Values larger than this are not kept: their sets go whole. */
export const LAST_VALUE_MAX_BYTES = 256 * 1024;

interface LastValue {
  version: string;
  json: string;
}

/**
 * The values this instance last wrote, with their versions, so a Redis `set` can carry an RFC 6902 patch (SPEC §9)
 * without a read first: the patch is computed here from the value written last, and the set script keeps it only
 * if the item is still at that version (another instance may have written since; then the set goes whole).
 * Bounded: at most LAST_VALUES_MAX_BYTES of JSON in all, least recently written out first.
 */
export class RedisLastValues {
  private readonly values = new Map<string, LastValue>();
  private bytes = 0;

  get(stream: string, group: string, item: string): LastValue | undefined {
    return this.values.get(key(stream, group, item));
  }

  /** The item now holds `json` at `version` (written by this instance). */
  remember(stream: string, group: string, item: string, version: string, json: string): void {
    const at = key(stream, group, item);
    this.forget(at);
    if (json.length > LAST_VALUE_MAX_BYTES) return;
    this.values.set(at, { version, json });
    this.bytes += json.length;
    for (const [oldest, value] of this.values) {
      if (this.bytes <= LAST_VALUES_MAX_BYTES) break;
      this.values.delete(oldest);
      this.bytes -= value.json.length;
    }
  }

  /** The item was deleted (or its write's outcome is unknown). */
  drop(stream: string, group: string, item: string): void {
    this.forget(key(stream, group, item));
  }

  clear(): void {
    this.values.clear();
    this.bytes = 0;
  }

  private forget(at: string): void {
    const value = this.values.get(at);
    if (!value) return;
    this.values.delete(at);
    this.bytes -= value.json.length;
  }
}

/** Length-prefixed item id first: `groupKey` ends with a free-form group name (see hub.event.ts). */
function key(stream: string, group: string, item: string): string {
  return `${item.length}:${item}|${groupKey(stream, group)}`;
}
