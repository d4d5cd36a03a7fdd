import type { StreamsService } from 'nest-realtime-streams';
import { StreamsClient, type GroupSubscription, type WebSocketConstructor } from 'nest-realtime-streams-client';

/** A dashboard card: a few KB of labels and figures, of which one changes at a time. */
export type Card = Record<string, string | number>;

export interface BoardStreams {
  cards: { item: Card };
}

/**
 * Server side: change one figure of a large card. An `update` with one op sends delta subscribers that op
 * (~150 bytes) instead of the whole card; a `set` of the whole card sends them an RFC 6902 patch of what
 * changed (on Redis, when this instance wrote the item last; otherwise the set goes whole).
 */
export async function setFigure(streams: StreamsService, board: string, cardId: string, field: string, value: number): Promise<void> {
  await streams.update({ stream_name: 'cards', group_id: board, item_id: cardId, ops: [{ type: 'set', path: field, value }] });
}

/**
 * Client side: the whole board, kept up to date by deltas. The cards need no `id` field: a delta
 * subscription's sync names every item, and `board.versions` tells each card's version.
 */
export function watchBoard(url: string, board: string, WebSocket?: WebSocketConstructor): { client: StreamsClient<BoardStreams>; cards: GroupSubscription<Card> } {
  const client = new StreamsClient<BoardStreams>({ url, WebSocket });
  return { client, cards: client.subscribeGroup('cards', board, { deltas: true }) };
}
