import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import { now, padding, type BenchPayload } from '../wire';
import type { PublishArgs, PublishResult } from './server-api';

/**
 * Publishes `count` messages, each stamped with its send time. Back to back (`rate` null) it yields to the
 * event loop after every message, so socket writes and the server's own I/O still run; paced, message `i`
 * leaves at `i / rate` seconds (late messages go at once, so the average rate holds). Bursty (`burst` set),
 * the messages leave `burst` at a time, back to back without yielding, at each tick of `rate`.
 */
export async function publishMessages(args: PublishArgs, publishOne: (payload: BenchPayload) => unknown): Promise<PublishResult> {
  const pad = padding(args.size);
  const start = now();
  let firstAt = 0;
  let lastAt = 0;
  const burst = args.burst ?? 1;
  for (let i = 0; i < args.count; i++) {
    const tick = Math.floor(i / burst);
    const wait = args.rate === null ? 0 : start + (tick * 1000) / args.rate - now();
    if (i % burst === 0) await (wait > 0 ? sleep(wait) : yieldToLoop());
    lastAt = now();
    if (i === 0) firstAt = lastAt;
    await publishOne({ bt: lastAt, p: pad });
  }
  return { firstAt, lastAt };
}
