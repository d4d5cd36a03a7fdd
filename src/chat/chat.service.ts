import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { type StreamGroupRef, StreamsService } from 'nest-realtime-streams';
import { GroupHistory } from '../common/group-history';
import { demoConfig, type DemoConfig } from '../config/demo.config';
import { type ChatMessage, STREAMS, type TypingEvent } from '../shared/demo-streams';

const roomRef = (room: string): StreamGroupRef => ({ stream_name: STREAMS.chat, group_id: room });

/** Chat rooms on the `chat-messages` stream: one group per room, one item per message. */
@Injectable()
export class ChatService {
  private readonly history: GroupHistory<ChatMessage>;

  constructor(
    private readonly streams: StreamsService,
    @Inject(demoConfig.KEY) private readonly config: DemoConfig,
  ) {
    this.history = new GroupHistory(streams, (message) => message.sentAt);
  }

  /**
   * Stores the message (subscribers of the room get a `create` frame), then trims the room's history. `id` is the
   * page's own for a message it already shows (a mutation); the REST API makes one.
   */
  async post(room: string, author: string, text: string, id: string = randomUUID()): Promise<ChatMessage> {
    const message: ChatMessage = { id, room, author, text, sentAt: new Date().toISOString() };
    await this.streams.set({ ...roomRef(room), item_id: message.id, data: message });
    await this.history.trim(roomRef(room), this.config.chatHistoryLimit);
    return message;
  }

  /** Messages of a room, oldest first. */
  list(room: string): Promise<ChatMessage[]> {
    return this.history.list(roomRef(room));
  }

  /** A typing indicator: a custom event to the room's subscribers, stored nowhere. */
  async typing(room: string, author: string): Promise<void> {
    await this.streams.send<TypingEvent>({ ...roomRef(room), type: 'typing', data: { author } });
  }
}
