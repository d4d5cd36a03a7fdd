import { ForbiddenException, Inject, Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { StreamsMetrics } from '../metrics/streams-metrics';
import type { StreamChangeFrame } from '../interfaces/stream-frame.interface';
import type { ResolvedStreamsOptions } from '../options/streams-options.interface';
import { STREAMS_OPTIONS } from '../streams.constants';
import { MAX_NAME_BYTES } from '../common/stream-name';
import type { StreamSubscriptionPayload } from '../interfaces/stream-payloads.interface';
import type { OnStreamChangeOptions } from './decorators/on-stream-change.decorator';
import type { OnStreamSubscriptionOptions } from './decorators/on-stream-subscription.decorator';

export type HandlerFn = (payload: unknown) => unknown;

/** A join's verdict, and the presence member a handler named for it (the last one that did wins). */
/** Why a join was refused, for the client's `unauthorized` frame (docs/reference/protocol.md, "Join, step by step"). */
export interface JoinRefusal {
  code: 'forbidden' | 'unauthorized' | 'join_failed';
  message: string;
}

export interface JoinDecision {
  allowed: boolean;
  presence: { key: string; data: unknown } | null;
  /** Set when a handler said why (or failed): the first reason given. */
  refusal: JoinRefusal | null;
}

/** A refusal's message travels to the client: bounded, whatever a handler put in it. */
const MAX_REFUSAL_MESSAGE = 256;

function refusal(code: JoinRefusal['code'], message: unknown): JoinRefusal {
  const text = typeof message === 'string' ? message : code;
  return { code, message: text.length > MAX_REFUSAL_MESSAGE ? `${text.slice(0, MAX_REFUSAL_MESSAGE - 1)}…` : text };
}

/** `{ presence: { key, data? } }` of a join handler's result; a malformed one is logged and ignored. */
function memberOf(result: unknown, handler: string, logger: Logger): JoinDecision['presence'] | undefined {
  if (typeof result !== 'object' || result === null || !('presence' in result)) return undefined;
  const presence = (result as { presence: unknown }).presence;
  const key = typeof presence === 'object' && presence !== null ? (presence as { key?: unknown }).key : undefined;
  if (typeof key !== 'string' || key === '' || Buffer.byteLength(key) > MAX_NAME_BYTES) {
    logger.error(`Stream handler ${handler} returned presence without a key of 1 to ${MAX_NAME_BYTES} bytes; ignored`);
    return undefined;
  }
  return { key, data: (presence as { data?: unknown }).data ?? null };
}

interface Registered<F> {
  filter: F;
  /** `Class.method`, for logs. */
  name: string;
  call: HandlerFn;
}

interface ChangeHandler extends Registered<OnStreamChangeOptions> {
  /** Tail of this handler's queue: one handler sees writes one at a time, in write order. */
  tail: Promise<void>;
}

/**
 * Holds the handlers found by the explorer and runs them: change handlers in the background, each on its
 * own queue (a slow handler delays only itself); join handlers awaited in turn, any of them able to reject.
 */
@Injectable()
export class StreamHandlersRegistry {
  private readonly logger = new Logger('Streams');
  private readonly change: ChangeHandler[] = [];
  private readonly join: Registered<OnStreamSubscriptionOptions>[] = [];
  private readonly leave: Registered<OnStreamSubscriptionOptions>[] = [];

  constructor(
    private readonly metrics: StreamsMetrics,
    @Inject(STREAMS_OPTIONS) private readonly options: ResolvedStreamsOptions,
  ) {}

  addChange(filter: OnStreamChangeOptions, name: string, call: HandlerFn): void {
    this.change.push({ filter, name, call, tail: Promise.resolve() });
  }

  addJoin(filter: OnStreamSubscriptionOptions, name: string, call: HandlerFn): void {
    this.join.push({ filter, name, call });
  }

  addLeave(filter: OnStreamSubscriptionOptions, name: string, call: HandlerFn): void {
    this.leave.push({ filter, name, call });
  }

  /** Schedules the matching change handlers; returns at once. */
  dispatchChange(frame: StreamChangeFrame): void {
    for (const handler of this.change) {
      const { stream_name, group_id, item_id } = handler.filter;
      if (stream_name !== frame.streamName) continue;
      if (group_id && group_id !== frame.groupId) continue;
      if (item_id && item_id !== (frame.id ?? '')) continue;
      handler.tail = handler.tail.then(() => this.run(handler, frame));
    }
  }

  /**
   * Runs every matching join handler in turn; false when one rejected the subscription. A handler that
   * fails (throws anything but Forbidden/Unauthorized) rejects it too — fail closed — unless
   * `handlers.allowJoinOnError` restores iii's permissive behaviour; either way the failure is logged.
   */
  async authorizeJoin(payload: StreamSubscriptionPayload): Promise<JoinDecision> {
    let allowed = true;
    let presence: JoinDecision['presence'] = null;
    let why: JoinRefusal | null = null;
    for (const handler of this.matching(this.join, payload)) {
      try {
        const result = (await handler.call(payload)) as { unauthorized?: unknown; reason?: unknown; presence?: unknown } | undefined;
        // Only a literal `true` rejects, as in iii; the rest still run (they may record the attempt).
        if (typeof result === 'object' && result !== null && result.unauthorized === true) {
          allowed = false;
          if (typeof result.reason === 'string') why ??= refusal('unauthorized', result.reason);
        }
        presence = memberOf(result, handler.name, this.logger) ?? presence;
      } catch (error) {
        if (error instanceof ForbiddenException || error instanceof UnauthorizedException) {
          allowed = false;
          why ??= refusal(error instanceof ForbiddenException ? 'forbidden' : 'unauthorized', error.message);
        } else {
          this.logFailure(handler, error);
          if (!this.options.handlers.allowJoinOnError) {
            allowed = false;
            // What failed stays in the server's log, not in the client's frame.
            why ??= refusal('join_failed', 'a join handler failed');
          }
        }
      }
    }
    return { allowed, presence, refusal: allowed ? null : why };
  }

  async notifyLeave(payload: StreamSubscriptionPayload): Promise<void> {
    for (const handler of this.matching(this.leave, payload)) await this.run(handler, payload);
  }

  private matching<F extends OnStreamSubscriptionOptions>(list: Registered<F>[], payload: StreamSubscriptionPayload): Registered<F>[] {
    return list.filter((h) => !h.filter.stream_name || h.filter.stream_name === payload.stream_name);
  }

  private async run(handler: Registered<unknown>, payload: unknown): Promise<void> {
    try {
      await handler.call(payload);
    } catch (error) {
      this.logFailure(handler, error);
    }
  }

  private logFailure(handler: Registered<unknown>, error: unknown): void {
    this.metrics.handlerFailed();
    this.logger.error(`Stream handler ${handler.name} failed: ${error instanceof Error ? error.message : String(error)}`, error instanceof Error ? error.stack : undefined);
  }
}
