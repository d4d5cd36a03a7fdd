import { Injectable } from '@nestjs/common';
import { OnStreamJoin, type StreamJoinResult, type StreamSubscriptionPayload } from 'nest-realtime-streams';
import { STREAMS } from '../shared/demo-streams';
import type { DemoContext } from './chat.auth';

/** Who is in a room: each named user is one presence member (key = name), however many tabs they have open. */
@Injectable()
export class ChatPresenceHandler {
  @OnStreamJoin({ stream_name: STREAMS.chat })
  join({ context }: StreamSubscriptionPayload<DemoContext>): StreamJoinResult {
    return context?.user ? { presence: { key: context.user, data: null } } : {};
  }
}
