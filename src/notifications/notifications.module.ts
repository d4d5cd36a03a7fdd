import { Module } from '@nestjs/common';
import { MentionListener } from './mention.listener';
import { NotificationsService } from './notifications.service';

@Module({ providers: [NotificationsService, MentionListener] })
export class NotificationsModule {}
