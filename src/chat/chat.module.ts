import { Module } from '@nestjs/common';
import { ChatPresenceHandler } from './chat-presence.handler';
import { ChatController } from './chat.controller';
import { ChatService } from './chat.service';

@Module({ controllers: [ChatController], providers: [ChatService, ChatPresenceHandler] })
export class ChatModule {}
