import type { StreamsService } from 'nest-realtime-streams';

/**
 * A "typing…" indicator that cannot get stuck: each keystroke writes the user's item with `ttl_ms`, so it
 * expires `ttlMs` after the last one and subscribers get its `delete` even if the user's tab just closed.
 * Every write sets the expiry again (a write without `ttl_ms` would make the item permanent).
 */
export async function keystroke(streams: StreamsService, room: string, user: string, ttlMs = 3_000): Promise<void> {
  await streams.set({ stream_name: 'typing', group_id: room, item_id: user, data: { user, since: Date.now() }, ttl_ms: ttlMs });
}

/** Sent the message: the indicator goes at once. */
export async function stoppedTyping(streams: StreamsService, room: string, user: string): Promise<void> {
  await streams.delete({ stream_name: 'typing', group_id: room, item_id: user });
}
