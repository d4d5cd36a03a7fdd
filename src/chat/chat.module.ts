import { Module } from '@nestjs/common';
import { ChatPresenceHandler } from './chat-presence.handler';
import { ChatController } from './chat.controller';
import { ChatMutations } from './chat.mutations';
import { ChatService } from './chat.service';

@Module({ controllers: [ChatController], providers: [ChatService, ChatPresenceHandler, ChatMutations] })
export class ChatModule {}
