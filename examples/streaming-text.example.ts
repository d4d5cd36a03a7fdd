import type { StreamsService } from 'nest-realtime-streams';
import { StreamsClient, type ItemSubscription, type WebSocketConstructor } from 'nest-realtime-streams-client';

/** An AI answer as it is written: its text so far, and whether the model has finished. */
export interface Answer {
  text: string;
  done: boolean;
}

export interface AnswerStreams {
  answers: { item: Answer };
}

/**
 * Server side: streams a model's tokens into one item. Each token is an `append` to the item's text, so a
 * subscriber that asked for deltas receives each token as itself (a frame of ~250 bytes), not the whole text
 * again: a 2,000-token answer costs each subscriber ~500 KB instead of ~8 MB.
 */
export async function streamAnswer(streams: StreamsService, conversation: string, answerId: string, tokens: AsyncIterable<string>): Promise<void> {
  const ref = { stream_name: 'answers', group_id: conversation, item_id: answerId };
  await streams.set({ ...ref, data: { text: '', done: false } });
  for await (const token of tokens) {
    await streams.update({ ...ref, ops: [{ type: 'append', path: 'text', value: token }] });
  }
  await streams.update({ ...ref, ops: [{ type: 'set', path: 'done', value: true }] });
}

/**
 * Client side: shows the answer as it grows. `deltas: true` asks for the changes; the client applies them
 * with the server's own op engine and always holds the full text in `answer.value`.
 */
export function watchAnswer(url: string, conversation: string, answerId: string, render: (text: string, done: boolean) => void, WebSocket?: WebSocketConstructor): ItemSubscription<Answer> {
  const client = new StreamsClient<AnswerStreams>({ url, WebSocket });
  const answer = client.subscribeItem('answers', conversation, answerId, { deltas: true });
  answer.on('change', ({ value }) => {
    if (value) render(value.text, value.done);
    if (value?.done) client.close();
  });
  return answer;
}
