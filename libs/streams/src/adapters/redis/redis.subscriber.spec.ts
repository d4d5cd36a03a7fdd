import type { Logger } from '@nestjs/common';
import type { StreamEnvelope } from '../stream-adapter.interface';
import { decodeEventMessage } from './redis-event.message';
import { RedisKeyspace } from './redis.keys';
import { RedisSubscriber } from './redis.subscriber';
import type { SubscriberLink, SubscriberLinkHandlers } from './redis-subscriber.link';

/**
 * The subscriber's catch-up logic, over a stand-in link (the Redis behaviour is covered by the e2e suites
 * on a real server and Cluster): what the sink is handed when a resubscribe's SSUBSCRIBE is reported failed
 * although the server applied it, as a Cluster connection does with every SSUBSCRIBE in flight when one of
 * them is redirected (redis-cluster.subscribers.ts).
 */
describe('RedisSubscriber catch-up', () => {
  const message = (seq: number) => `${seq}|E|${JSON.stringify({ type: 'stream', timestamp: seq, streamName: 's', groupId: 'g', id: 'i', event: { type: 'update', data: seq } })}`;
  const logger = { log: () => undefined, warn: () => undefined } as unknown as Logger;

  it('a failed resubscribe hands on nothing that arrives before the next one caught the group up: no event is skipped', async () => {
    let handlers: SubscriberLinkHandlers | null = null;
    let subscribe: () => Promise<void> = async () => undefined;
    const link: SubscriberLink = {
      status: 'ready',
      attach: (h) => void (handlers = h),
      ssubscribe: () => subscribe(),
      sunsubscribe: async () => undefined,
      close: async () => undefined,
    };
    const channel = new RedisKeyspace('p').group('s', 'g').channel;
    // The group's log: every event published so far.
    let published = 0;
    const publish = (to: number) => {
      for (; published < to; published++) handlers!.message(channel, message(published + 1));
    };
    const replay = async (_stream: string, _group: string, _epoch: string, seq: number) => ({
      envelopes: Array.from({ length: published - seq }, (_, k) => decodeEventMessage(message(seq + k + 1))),
      position: { seq: published, timestamp: published, epoch: 'E' },
    });
    const subscriber = new RedisSubscriber(link, new RedisKeyspace('p'), replay, 'test', logger);
    const got: number[] = [];
    let presenceLost = 0;
    subscriber.attach({ deliver: (e: StreamEnvelope) => got.push(e.seq), continuityLost: () => got.push(-1), presence: () => undefined, presenceLost: () => presenceLost++ });
    await subscriber.watch('s', 'g');
    publish(2);

    // The connection is replaced: events 3 and 4 are published meanwhile, then its SSUBSCRIBE is rejected
    // although it took effect, so 5 and 6 arrive.
    subscribe = async () => Promise.reject(new Error('SSUBSCRIBE redirected (-MOVED)'));
    published = 4;
    await subscriber.resubscribe([channel]);
    publish(6);
    // The retry is answered and catches the group up from the log.
    subscribe = async () => undefined;
    await subscriber.resubscribe([channel]);
    publish(7);

    expect(got).toEqual([1, 2, 3, 4, 5, 6, 7]);
    // Presence changes are not in the log: the one subscribe that took effect for sure asks for a presence re-read.
    expect(presenceLost).toBe(1);
  });
});
