import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { StreamsService } from 'nest-realtime-streams';
import { GroupHistory } from '../common/group-history';
import { type ChatMessage, type MentionNotification, STREAMS } from '../shared/demo-streams';

/** Notifications kept per user; older ones are deleted. */
const KEEP_PER_USER = 20;

/** The `notifications` stream: one group per user id, so each user subscribes to their own feed only. */
@Injectable()
export class NotificationsService {
  private readonly history: GroupHistory<MentionNotification>;

  constructor(private readonly streams: StreamsService) {
    this.history = new GroupHistory(streams, (notification) => notification.createdAt);
  }

  async notifyMention(user: string, message: ChatMessage): Promise<MentionNotification> {
    const notification: MentionNotification = {
      id: randomUUID(),
      kind: 'mention',
      from: message.author,
      room: message.room,
      messageId: message.id,
      text: message.text,
      createdAt: new Date().toISOString(),
    };
    const feed = { stream_name: STREAMS.notifications, group_id: user };
    await this.streams.set({ ...feed, item_id: notification.id, data: notification });
    await this.history.trim(feed, KEEP_PER_USER);
    return notification;
  }
}
