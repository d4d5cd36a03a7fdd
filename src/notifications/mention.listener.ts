import { Injectable } from '@nestjs/common';
import { OnStreamChange, type StreamChangeFrame } from 'nest-realtime-streams';
import { type ChatMessage, STREAMS } from '../shared/demo-streams';
import { mentionsIn } from '../shared/mentions';
import { NotificationsService } from './notifications.service';

/**
 * Turns `@name` in a new chat message into a notification for that user. It reacts to the stream itself,
 * not to the REST call, so messages written by any code path (or any instance, with Redis) notify.
 */
@Injectable()
export class MentionListener {
  constructor(private readonly notifications: NotificationsService) {}

  @OnStreamChange({ stream_name: STREAMS.chat })
  async onChatChange(frame: StreamChangeFrame): Promise<void> {
    if (frame.event.type !== 'create') return;
    const message = frame.event.data as ChatMessage;
    for (const user of mentionsIn(message.text)) {
      if (user !== message.author) await this.notifications.notifyMention(user, message);
    }
  }
}
