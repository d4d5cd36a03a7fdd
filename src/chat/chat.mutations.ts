import { Injectable, UseGuards } from '@nestjs/common';
import { OnStreamMutation, type StreamMutationPayload } from 'nest-realtime-streams';
import { NamedUserGuard } from '../common/named-user.guard';
import type { DemoContext } from './chat.auth';
import { ChatService } from './chat.service';
import { ChatPostDto } from './dto/chat-post.dto';

/** The page posts through a client mutation (shown at once, sent when the page is live, applied once). */
@Injectable()
export class ChatMutations {
  constructor(private readonly chat: ChatService) {}

  @UseGuards(NamedUserGuard)
  @OnStreamMutation('chat.post', { args: ChatPostDto })
  async post({ args, context }: StreamMutationPayload<ChatPostDto, DemoContext>): Promise<void> {
    await this.chat.post(args.room, context.user!, args.text, args.id);
  }
}
