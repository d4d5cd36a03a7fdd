import { StreamsConflictError, type StreamsService } from 'nest-realtime-streams';

/**
 * Read-modify-write without lost updates: read the item with its version, compute the new value, and write
 * it only if nobody wrote in between (`if_version`); on a conflict, read again and retry. Here: a room's
 * last `keep` entries, which no update op can express (an `append` never trims).
 */
export async function pushRecent(streams: StreamsService, room: string, entry: string, keep = 5, attempts = 20): Promise<string[]> {
  const ref = { stream_name: 'recent', group_id: room, item_id: 'entries' };
  for (let attempt = 1; ; attempt++) {
    const { value, version } = await streams.getVersioned<string[]>(ref);
    const next = [...(value ?? []), entry].slice(-keep);
    try {
      // `version` is null while the item does not exist: the write then succeeds only if it still does not.
      await streams.set({ ...ref, data: next, if_version: version });
      return next;
    } catch (error) {
      // Someone wrote first: `error.code` is 'version_conflict', `error.version` their version.
      if (!(error instanceof StreamsConflictError) || attempt === attempts) throw error;
    }
  }
}
